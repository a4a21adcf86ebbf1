using System.Text.Json.Nodes;
using LlmOps.Errors;
using LlmOps.Lineage;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Lineage;

public sealed class LineageStoreTests
{
    private static string Unique() => Guid.NewGuid().ToString("N")[..10];

    private static async Task<LineageStore> StoreAsync() => new(await SharedAzurite.AccountAsync(), TimeProvider.System);

    private static LineageEvent Link(string from, string to, string relation, Guid? run = null) =>
        new("test.job", run ?? Guid.NewGuid(), relation, [new LineageDataset(from)], [new LineageDataset(to)]);

    [Fact]
    public async Task Query_ChainOfFour_DepthLimitsTheWalkAndSaysTruncated()
    {
        var store = await StoreAsync();
        var u = Unique();
        string[] chain = [$"dataset:a{u}@1", $"index:a{u}@1/m", $"run:{u}", $"model:m{u}/1"];
        for (var i = 0; i < chain.Length - 1; i++)
        {
            await store.RecordAsync(Link(chain[i], chain[i + 1], LineageRelation.Used), CancellationToken.None);
        }

        var twoDown = await store.QueryAsync(chain[0], LineageDirection.Downstream, 2, CancellationToken.None);
        Assert.Equal(chain[..3], twoDown.Nodes.Select(n => n.Id).OrderBy(id => Array.IndexOf(chain, id)));
        Assert.True(twoDown.Truncated);
        Assert.Equal(2, twoDown.Distances[chain[2]]);

        var allUp = await store.QueryAsync(chain[3], LineageDirection.Upstream, 6, CancellationToken.None);
        Assert.Equal(4, allUp.Nodes.Count);
        Assert.Equal(3, allUp.Edges.Count);
        Assert.False(allUp.Truncated);
        Assert.All(allUp.Edges, e => Assert.Equal(LineageRelation.Used, e.Relation));

        var both = await store.QueryAsync(chain[1], LineageDirection.Both, 1, CancellationToken.None);
        Assert.Equal([chain[0], chain[1], chain[2]], both.Nodes.Select(n => n.Id).OrderBy(id => Array.IndexOf(chain, id)));
    }

    [Fact]
    public async Task SharedPreprocessingVersion_WalkFollowsOnlyTheRunItArrivedBy()
    {
        var store = await StoreAsync();
        var u = Unique();
        var prep = $"prep:t{u}@v1-abcdef";
        var (blob1, blob2, ds1, ds2) = ($"blob:raw/t{u}/one.jsonl@0x1", $"blob:raw/t{u}/two.jsonl@0x2", $"dataset:t{u}@111111111111", $"dataset:t{u}@222222222222");
        foreach (var (blob, dataset) in new[] { (blob1, ds1), (blob2, ds2) })
        {
            var run = Guid.NewGuid();
            await store.RecordAsync(Link(blob, prep, LineageRelation.Used, run), CancellationToken.None);
            await store.RecordAsync(Link(prep, dataset, LineageRelation.ProducedBy, run), CancellationToken.None);
        }

        var upFromSecond = await store.QueryAsync(ds2, LineageDirection.Upstream, 6, CancellationToken.None);
        Assert.Equal([blob2, ds2, prep], upFromSecond.Nodes.Select(n => n.Id).Order(StringComparer.Ordinal));

        var downFromFirst = await store.QueryAsync(blob1, LineageDirection.Downstream, 6, CancellationToken.None);
        Assert.Equal([blob1, ds1, prep], downFromFirst.Nodes.Select(n => n.Id).Order(StringComparer.Ordinal));

        var downFromPrep = await store.QueryAsync(prep, LineageDirection.Downstream, 6, CancellationToken.None);
        Assert.Equal([ds1, ds2, prep], downFromPrep.Nodes.Select(n => n.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task IdWithQuote_IsEscaped_CannotWidenTheQuery()
    {
        var store = await StoreAsync();
        var u = Unique();
        var plain = $"dataset:q{u}";
        var hostile = $"dataset:q{u}' or PartitionKey ne '";
        await store.RecordAsync(Link(plain, $"run:{u}a", LineageRelation.Used), CancellationToken.None);
        await store.RecordAsync(Link(hostile, $"run:{u}b", LineageRelation.Used), CancellationToken.None);

        var hostileGraph = await store.QueryAsync(hostile, LineageDirection.Downstream, 3, CancellationToken.None);
        Assert.Equal([hostile, $"run:{u}b"], hostileGraph.Nodes.Select(n => n.Id).Order(StringComparer.Ordinal));

        var unknown = await store.QueryAsync($"dataset:nothing{u}' or RowKey ne '", LineageDirection.Both, 3, CancellationToken.None);
        Assert.False(unknown.Found);
        Assert.Empty(unknown.Edges);
        Assert.Null(await store.GetNodeAsync($"dataset:q{u}' or '1' eq '1", CancellationToken.None));
    }

    [Fact]
    public async Task Export_OpenLineageEventPerRun_MermaidAndText()
    {
        var store = await StoreAsync();
        var u = Unique();
        var run = Guid.NewGuid();
        await store.RecordAsync(
            new LineageEvent("llmops.etl/t", run, LineageRelation.ProducedBy, [new LineageDataset($"prep:t{u}@v1-aaaaaa")], [new LineageDataset($"dataset:t{u}@1", new Dictionary<string, string> { ["records"] = "12" })], new Dictionary<string, string> { ["codeVersion"] = "etl-4" }),
            CancellationToken.None);
        var graph = await store.QueryAsync($"dataset:t{u}@1", LineageDirection.Upstream, 2, CancellationToken.None);

        var events = LineageWriter.OpenLineageEvents(graph);
        var single = Assert.Single(events);
        Assert.Equal("COMPLETE", single["eventType"]!.GetValue<string>());
        Assert.Equal(run.ToString(), single["run"]!["runId"]!.GetValue<string>());
        Assert.Equal("llmops.etl/t", single["job"]!["name"]!.GetValue<string>());
        Assert.Equal($"prep:t{u}@v1-aaaaaa", single["inputs"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("12", single["outputs"]![0]!["facets"]!["llmops"]!["properties"]!["records"]!.GetValue<string>());
        Assert.Equal("etl-4", single["run"]!["facets"]!["llmops"]!["properties"]!["codeVersion"]!.GetValue<string>());
        Assert.NotNull(JsonNode.Parse(LineageWriter.Write(graph, LineageFormat.OpenLineage)));

        var mermaid = LineageWriter.Write(graph, LineageFormat.Mermaid);
        Assert.StartsWith("flowchart LR", mermaid, StringComparison.Ordinal);
        Assert.Contains("-->|produced_by|", mermaid, StringComparison.Ordinal);
        Assert.Contains($"prep:t{u}@v1-aaaaaa --produced_by--> dataset:t{u}@1", LineageWriter.Write(graph, LineageFormat.Text), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Record_UnknownRelationOrUntypedId_ClearError()
    {
        var store = await StoreAsync();
        var relation = await ExpectError.ThrowsAsync(ErrorCode.Invalid, () => store.RecordAsync(Link("dataset:a", "run:b", "feeds"), CancellationToken.None));
        Assert.Contains("derived_from", relation.Message, StringComparison.Ordinal);
        var id = await ExpectError.ThrowsAsync(ErrorCode.Invalid, () => store.RecordAsync(Link("no-kind", "run:b", LineageRelation.Used), CancellationToken.None));
        Assert.Contains("kind:name", id.Message, StringComparison.Ordinal);
    }
}
