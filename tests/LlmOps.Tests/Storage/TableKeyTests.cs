using LlmOps.Storage;

namespace LlmOps.Tests.Storage;

public sealed class TableKeyTests
{
    [Theory]
    [InlineData("tickets", "tickets")]
    [InlineData("a/b\\c#d?e", "a%2Fb%5Cc%23d%3Fe")]
    [InlineData("100%", "100%25")]
    [InlineData("tab\there", "tab%09here")]
    [InlineData("ünïcødé 日本", "ünïcødé 日本")]
    public void Encode_ForbiddenCharactersAndPercent_ArePercentEncoded(string value, string expected) =>
        Assert.Equal(expected, TableKey.Encode(value));

    [Fact]
    public void Encode_LongValue_KeepsAPrefixAndAHash_DistinctAndDeterministic()
    {
        var a = new string('a', 2000) + "/one";
        var b = new string('a', 2000) + "/two";
        var encodedA = TableKey.Encode(a);
        Assert.True(encodedA.Length <= TableKey.MaxLength, $"{encodedA.Length} characters");
        Assert.StartsWith(new string('a', TableKey.KeptPrefix) + "~", encodedA, StringComparison.Ordinal);
        Assert.Equal(encodedA, TableKey.Encode(a));
        Assert.NotEqual(encodedA, TableKey.Encode(b));
        Assert.Equal(new string('x', TableKey.MaxLength), TableKey.Encode(new string('x', TableKey.MaxLength)));
    }

    [Fact]
    public void Literal_DoublesQuotes_SoInputCannotEndTheString() =>
        Assert.Equal("'o''neil'' or PartitionKey ne '''", TableKey.Literal("o'neil' or PartitionKey ne '"));

    [Fact]
    public void NewestFirst_SortsLaterTimesFirst_FixedWidth()
    {
        var earlier = TableKey.NewestFirst(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var later = TableKey.NewestFirst(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero));
        Assert.True(string.CompareOrdinal(later, earlier) < 0);
        Assert.Equal(19, later.Length);
    }

    [Fact]
    public void PrefixFilter_OnePartitionOrAll_QuotesEscaped() =>
        Assert.Equal(
            ["PartitionKey eq 'o''neil' and RowKey ge 'run|' and RowKey lt 'run}'", "RowKey ge 't|' and RowKey lt 't}'"],
            [TableKey.PrefixFilter("o'neil", "run|"), TableKey.PrefixFilter(null, "t|")]);
}
