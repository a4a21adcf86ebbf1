using LlmOps.Ingestion.Transform;

namespace LlmOps.Tests.Ingestion;

public sealed class TextStepsTests
{
    [Theory]
    [InlineData("Plain ascii text, already clean.", "Plain ascii text, already clean.")]
    [InlineData("  padded   with\tspaces  ", "padded with spaces")]
    [InlineData("<div>Hello<br>world</div><script>alert(1)</script>", "Hello\nworld")]
    [InlineData("caf\u0065\u0301 &amp; cr\u00e8me", "caf\u00e9 & cr\u00e8me")]
    [InlineData("zero\u200Bwidth and\u0007bell", "zerowidth andbell")]
    [InlineData("line one\r\n\r\n\r\nline two", "line one\n\nline two")]
    [InlineData("  indented  code \n    next   line \n\n\n  end  ", "indented code\nnext line\n\nend")]
    [InlineData("latency < 5 ms, budget > 2 ms", "latency < 5 ms, budget > 2 ms")]
    [InlineData("if a < b and 5<6 then c >= d", "if a < b and 5<6 then c >= d")]
    [InlineData("Jane Roe <jane.roe@example.com>", "Jane Roe <jane.roe@example.com>")]
    [InlineData("<p>Hi <b>Jane</b> &lt;3</p><p>Reply to <jane@example.com></p>", "Hi Jane <3\nReply to <jane@example.com>")]
    [InlineData("<ul><li>one</li><li>two &amp; three</li></ul>", "one\ntwo & three")]
    public void Clean_NormalizesTextHtmlAndWhitespace(string input, string expected) =>
        Assert.Equal(expected, TextCleaner.Clean(input));

    [Theory]
    [InlineData("Please help, the export is not working and I have tried it twice with the new version.", "en")]
    [InlineData("Bitte helfen Sie mir, der Export ist nicht möglich und ich habe es zweimal versucht.", "de")]
    [InlineData("Je ne peux pas exporter les données, merci de vérifier pour nous avec le support.", "fr")]
    [InlineData("No puedo exportar los datos, gracias por revisar la cuenta para el equipo.", "es")]
    [InlineData("429 503 404", "und")]
    public void Language_DetectsCommonSupportLanguages(string text, string expected) =>
        Assert.Equal(expected, LanguageDetector.Detect(text));
}
