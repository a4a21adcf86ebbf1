using System.Text.Json;
using LlmOps.Ingestion.Processing;
using LlmOps.Ingestion.Reading;
using LlmOps.Lifecycle;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Ingestion;

public sealed class RecordProcessorTests
{
    private static readonly string Lifecycle = new LifecycleBuilder("pipeline")
        .Source("pipeline", idField: "id", fields: [LifecycleBuilder.Id, "channel: { type: string }", LifecycleBuilder.Body])
        .Section("""
            quality:
              rules:
                - { rule: unique, field: id }
                - { rule: allowed_values, field: channel, values: [email, chat] }
            """)
        .Section("""
            preprocessing:
              version: v1
              chunking: { max_tokens: 32, overlap: 4 }
            """)
        .Build();

    [Fact]
    public async Task Pipelined_SameResultsInTheSameOrderAsOneThread_AcrossBatchEdges()
    {
        var lifecycle = LifecycleParser.Parse(Lifecycle);
        var outcomes = Outcomes(2600).ToList(); // eleven batches: several are chunked at once
        var oneThread = new RecordProcessor(lifecycle, lifecycle.Sources[0]);
        var expected = outcomes.Chunk(RecordProcessor.PipelineBatch).SelectMany(oneThread.ProcessBatch).Select(Json).ToList();
        var pipelined = new RecordProcessor(lifecycle, lifecycle.Sources[0]);
        var actual = new List<string>();

        await pipelined.ProcessAsync(ToAsync(outcomes), results =>
        {
            actual.AddRange(results.Select(Json));
            return ValueTask.CompletedTask;
        }, CancellationToken.None);

        Assert.Equal(expected, actual);
        Assert.Equal(JsonSerializer.Serialize(oneThread.Counts), JsonSerializer.Serialize(pipelined.Counts));
        // The set exercises every path: accepted, each rule, malformed lines, dedup, PII and multi-chunk text.
        Assert.True(oneThread.Counts.Accepted > 500);
        Assert.Equal(["allowed_values", "dedup", "readable", "required", "unique"], oneThread.Counts.QuarantinedByRule.Keys.Order(StringComparer.Ordinal));
        Assert.True(oneThread.Counts.Pii["email"] > 0);
        Assert.True(oneThread.Counts.Chunks > oneThread.Counts.Accepted);
    }

    [Fact]
    public async Task Pipelined_ReaderFails_TheErrorReachesTheCaller_StagesStop()
    {
        var lifecycle = LifecycleParser.Parse(Lifecycle);
        var processor = new RecordProcessor(lifecycle, lifecycle.Sources[0]);

        var error = await Assert.ThrowsAsync<UnreadableDropException>(() => processor.ProcessAsync(Failing(), _ => ValueTask.CompletedTask, CancellationToken.None));

        Assert.Equal("broken on purpose", error.Message);

        static async IAsyncEnumerable<ReadOutcome> Failing()
        {
            foreach (var outcome in Outcomes(700))
            {
                yield return outcome;
            }

            await Task.Yield();
            throw new UnreadableDropException("broken on purpose");
        }
    }

    [Fact]
    public async Task Pipelined_SinkFails_TheSinkErrorReachesTheCaller_NothingHangs()
    {
        var lifecycle = LifecycleParser.Parse(Lifecycle);
        var processor = new RecordProcessor(lifecycle, lifecycle.Sources[0]);
        var calls = 0;

        var error = await Assert.ThrowsAsync<IOException>(() => processor.ProcessAsync(ToAsync(Outcomes(5000)), _ =>
            ++calls == 2 ? throw new IOException("disk full on purpose") : ValueTask.CompletedTask, CancellationToken.None))
            .WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal("disk full on purpose", error.Message);
    }

    private static IEnumerable<ReadOutcome> Outcomes(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var line = i + 1;
            yield return (i % 97) switch
            {
                5 => ReadOutcome.Malformed(line, "not JSON"),
                6 => ReadOutcome.Record(line, new Dictionary<string, object?> { ["body"] = "no id here" }),
                7 => ReadOutcome.Record(line, new Dictionary<string, object?> { ["id"] = "T-1", ["body"] = "an id seen before" }),
                8 => ReadOutcome.Record(line, new Dictionary<string, object?> { ["id"] = $"C-{i}", ["channel"] = "fax", ["body"] = "bad channel" }),
                9 => ReadOutcome.Record(line, new Dictionary<string, object?> { ["id"] = $"D-{i}", ["body"] = "Ticket 3 text repeated" }),
                _ => ReadOutcome.Record(line, new Dictionary<string, object?>
                {
                    ["id"] = $"T-{i}",
                    ["channel"] = i % 2 == 0 ? "email" : "chat",
                    ["body"] = i % 11 == 0
                        ? $"Ticket {i}: please write to user{i}@example.com about the export, " + string.Concat(Enumerable.Repeat("it keeps failing after the upgrade. ", 12))
                        : $"Ticket {i} text",
                }),
            };
        }
    }

    private static async IAsyncEnumerable<ReadOutcome> ToAsync(IEnumerable<ReadOutcome> outcomes)
    {
        foreach (var outcome in outcomes)
        {
            yield return outcome;
        }

        await Task.CompletedTask;
    }

    private static string Json((LlmOps.Datasets.DatasetRecord? Record, LlmOps.Ingestion.Validation.QuarantinedRecord? Rejection) result) =>
        JsonSerializer.Serialize(new { result.Record, result.Rejection });
}
