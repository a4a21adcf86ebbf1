using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using LlmOps.LocalHost;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.LocalHost;

public sealed class TableWriteBatcherTests
{
    /// <summary>Counts the requests a table client sends (a transaction is one).</summary>
    private sealed class CountingPolicy : HttpPipelinePolicy
    {
        private int _requests;

        public int Requests => _requests;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Interlocked.Increment(ref _requests);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Interlocked.Increment(ref _requests);
            return ProcessNextAsync(message, pipeline);
        }
    }

    private static async Task<(TableClient Table, CountingPolicy Counter)> CreateAsync()
    {
        var azurite = await SharedAzurite.GetAsync();
        var counter = new CountingPolicy();
        var options = new TableClientOptions();
        options.AddPolicy(counter, HttpPipelinePosition.PerCall);
        var table = new TableClient(azurite.ConnectionString, "batcher" + Guid.NewGuid().ToString("N")[..12], options);
        await table.CreateAsync();
        return (table, counter);
    }

    [Fact]
    public async Task ConcurrentWrites_GoOutTogether_EachGetsItsRowsETag()
    {
        var (table, counter) = await CreateAsync();
        var batcher = new TableWriteBatcher(table);
        var before = counter.Requests;

        var etags = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            batcher.WriteAsync(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(i % 2 == 0 ? "even" : "odd", $"row-{i:000}") { ["N"] = i }), CancellationToken.None)));

        // 200 rows in two partitions: far fewer requests than rows (one transaction holds up to 100 rows of a partition).
        Assert.InRange(counter.Requests - before, 2, 40);
        for (var i = 0; i < 200; i++)
        {
            var row = (await table.GetEntityAsync<TableEntity>(i % 2 == 0 ? "even" : "odd", $"row-{i:000}")).Value;
            Assert.Equal(i, row.GetInt32("N"));
            Assert.Equal(row.ETag, etags[i]);
        }
    }

    [Fact]
    public async Task OneFailingConditionInABatch_FailsThatWriteAlone_TheOthersLand()
    {
        var (table, _) = await CreateAsync();
        var batcher = new TableWriteBatcher(table);
        var existing = await batcher.WriteAsync(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "taken") { ["N"] = 0 }), CancellationToken.None);
        var stale = await batcher.WriteAsync(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "stale") { ["N"] = 0 }), CancellationToken.None);
        await table.UpdateEntityAsync(new TableEntity("p", "stale") { ["N"] = 1 }, stale, TableUpdateMode.Replace); // another writer

        var writes = new List<Task<ETag>>();
        for (var round = 0; round < 5; round++)
        {
            writes.Add(batcher.WriteAsync(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "taken")), CancellationToken.None));
            writes.Add(batcher.WriteAsync(new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity("p", "stale") { ["N"] = 2 }, stale), CancellationToken.None));
            writes.AddRange(Enumerable.Range(0, 10).Select(i =>
                batcher.WriteAsync(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"new-{round}-{i}")), CancellationToken.None)));
        }

        await Task.WhenAll(writes.Select(w => w.ContinueWith(_ => { }, TaskScheduler.Default)));
        for (var round = 0; round < 5; round++)
        {
            var conflict = await Assert.ThrowsAsync<RequestFailedException>(() => writes[round * 12]);
            Assert.Equal(409, conflict.Status);
            var lost = await Assert.ThrowsAsync<RequestFailedException>(() => writes[(round * 12) + 1]);
            Assert.Equal(412, lost.Status);
        }

        Assert.All(writes.Where((_, i) => i % 12 >= 2), w => Assert.True(w.IsCompletedSuccessfully));
        Assert.Equal(50, await table.QueryAsync<TableEntity>(e => e.PartitionKey == "p").CountAsync() - 2);
        Assert.Equal(1, (await table.GetEntityAsync<TableEntity>("p", "stale")).Value.GetInt32("N"));
        Assert.Equal(existing, (await table.GetEntityAsync<TableEntity>("p", "taken")).Value.ETag);
    }
}
