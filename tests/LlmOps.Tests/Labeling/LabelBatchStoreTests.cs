using LlmOps.Labeling;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Labeling;

/// <summary>The running summary of a project's label batches: a new drop reads the summary and its own batch only.</summary>
public sealed class LabelBatchStoreTests
{
    [Fact]
    public async Task EachNewBatch_ReadsOnlyItself_AnswersEqualTheMergeOfAll_AnOlderBatchRebuilds()
    {
        var storage = await SharedAzurite.AccountAsync(TestNames.Prefix());
        await storage.Container(LlmOps.Storage.StorageNames.DatasetsContainer).CreateIfNotExistsAsync();
        await storage.Table(LlmOps.Storage.StorageNames.LabelBatchesTable).CreateIfNotExistsAsync();
        var store = new LabelBatchStore(storage);
        var project = "intent";
        var start = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        var expected = new Dictionary<(string, string, string), LabelAnswer>();

        async Task SaveAsync(int batch, DateTimeOffset at)
        {
            // Each batch labels ten items; a later batch relabels half of the previous one's items.
            var answers = Enumerable.Range(batch * 5, 10).Select(i => new LabelAnswer($"item-{i}", "ann-a", "intent", [$"label-{batch}"])).ToList();
            await store.SaveAsync(project, $"labels/{project}/b{batch}.jsonl", "\"0x1\"", new LabelImport(answers, [], 0), at, CancellationToken.None);
            foreach (var answer in answers)
            {
                expected[(answer.Item, answer.Annotator, answer.Field)] = answer;
            }
        }

        async Task AssertMergeAsync()
        {
            var answers = await store.ReadAnswersAsync(project).ToListAsync();
            Assert.Equal(expected.Count, answers.Count);
            Assert.All(answers, a => Assert.Equal(expected[(a.Item, a.Annotator, a.Field)].Values, a.Values));
        }

        for (var batch = 0; batch < 3; batch++)
        {
            await SaveAsync(batch, start.AddMinutes(batch));
        }

        await AssertMergeAsync();
        Assert.Equal(3, store.BatchesRead);
        for (var batch = 3; batch < 6; batch++)
        {
            await SaveAsync(batch, start.AddMinutes(batch));
            await AssertMergeAsync();
            Assert.Equal(batch + 1, store.BatchesRead);
        }

        // Nothing new: the summary alone.
        await AssertMergeAsync();
        Assert.Equal(6, store.BatchesRead);

        // A batch imported "before" the newest (a clock behind): the order of replacement changes, so all are read again.
        var early = Enumerable.Range(0, 3).Select(i => new LabelAnswer($"item-{i}", "ann-b", "intent", ["late"])).ToList();
        await store.SaveAsync(project, $"labels/{project}/early.jsonl", "\"0x2\"", new LabelImport(early, [], 0), start.AddSeconds(30), CancellationToken.None);
        foreach (var answer in early)
        {
            expected[(answer.Item, answer.Annotator, answer.Field)] = answer;
        }

        await AssertMergeAsync();
        Assert.Equal(6 + 7, store.BatchesRead);
    }
}
