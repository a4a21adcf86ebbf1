using LlmOps.Triggers;

namespace LlmOps.Tests.Triggers;

public sealed class BlobPathPatternTests
{
    [Theory]
    [InlineData("raw/{source}/{name}", "tickets/a.jsonl", "tickets", "a.jsonl")]
    [InlineData("raw/{source}/{name}", "tickets/2026/11/a b.jsonl", "tickets", "2026/11/a b.jsonl")]
    [InlineData("raw/{source}/{name}", "ünï/日本.csv", "ünï", "日本.csv")]
    public void Match_BindsSegments_LastTokenTakesTheRest(string path, string blob, string source, string name)
    {
        var bindings = BlobPathPattern.Parse(path).Match(blob);
        Assert.NotNull(bindings);
        Assert.Equal(source, bindings["source"]);
        Assert.Equal(name, bindings["name"]);
    }

    [Theory]
    [InlineData("raw/{source}/{name}", "no-folder.jsonl")]
    [InlineData("raw/{source}/{name}", "/a.jsonl")]
    [InlineData("labels/drops/{name}", "other/a.jsonl")]
    public void Match_WrongShape_IsNull(string path, string blob) => Assert.Null(BlobPathPattern.Parse(path).Match(blob));

    [Fact]
    public void Parse_LiteralStart_IsTheListingPrefix_AndTheContainerIsSplitOff()
    {
        var pattern = BlobPathPattern.Parse("labels/drops/{project}/{name}");
        Assert.Equal("labels", pattern.Container);
        Assert.Equal("drops/", pattern.Prefix);
        Assert.Equal(["project", "name"], pattern.Tokens);
        Assert.Equal("labels/drops/{project}/{name}", pattern.ToString());
        Assert.Equal("{name}", BlobPathPattern.Parse("raw").NamePattern);
    }

    [Theory]
    [InlineData("Raw/{name}")]
    [InlineData("a/{name}")]
    [InlineData("raw--x/{name}")]
    [InlineData("raw/{name}/{name}")]
    public void Parse_BadContainerOrRepeatedToken_IsAFormatError(string path) => Assert.Throws<FormatException>(() => BlobPathPattern.Parse(path));
}
