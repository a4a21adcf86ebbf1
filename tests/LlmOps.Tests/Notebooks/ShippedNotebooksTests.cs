using System.Text.Json.Nodes;
using LlmOps.Registry;
using LlmOps.Tests.EndToEnd;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Notebooks;

[Collection(ProductCatalogCollection.Name)]
public sealed class ShippedNotebooksTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("llmops-nb-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task ExperimentsThenLifecycleMap_ApiDocsGrid_LogsEveryVariant_RegistersTheDevelopmentBest_MapsIt()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        var model = "model:api-docs-" + Guid.NewGuid().ToString("N")[..8];
        var experiments = RepositoryRoot.Combine("notebooks", "experiments.ipynb");
        var before = await File.ReadAllTextAsync(experiments);

        // A small sample (40 queried types of 4 members, 100 distractors: 20 + 20 queries) on the default grid:
        // 2 models x 2 chunk sizes x 2 overlaps x 2 top-k.
        var (exit, output, written) = await NotebookRun.RunAsync(
            experiments, Path.Combine(_folder.FullName, "experiments.out.ipynb"),
            "-p", "storage=" + azurite.ConnectionString, "-p", "storagePrefix=" + prefix, "-p", "samples=" + RepositoryRoot.Combine("samples"), "-p", "model=" + model,
            "-p", "types=40", "-p", "membersPerType=4", "-p", "distractors=100");

        Assert.True(exit == 0, output);
        Assert.Equal(before, await File.ReadAllTextAsync(experiments));
        NotebookRun.AssertOnlyOutputsChanged(before, written);
        var cells = NotebookRun.CodeCells(written).ToList();
        Assert.All(cells, c => Assert.DoesNotContain("\"output_type\":\"error\"", NotebookRun.Outputs(c), StringComparison.Ordinal));
        Assert.All(cells, c => Assert.NotNull(c["execution_count"]?.GetValue<int?>()));
        var all = string.Concat(cells.Select(NotebookRun.Outputs));
        foreach (var expected in new[] { "20 development, 20 held out", "Logged 16 runs to experiment api-docs-retrieval", "minilm c128/o16 k10", "lexical c32/o0 k5", "Held-out MRR:", "separates", "<table", "<svg", "@champion -> version 1", "deploy:staging/" })
        {
            Assert.Contains(expected, all, StringComparison.Ordinal);
        }

        // What the notebook stored: 4 chunkings as dataset versions, 16 runs, and the champion is the run with the best
        // development MRR (the held-out metrics are logged but do not choose).
        using (var client = new LlmOpsClient(azurite.ConnectionString, prefix))
        {
            Assert.Equal(4, await client.Datasets.ListAsync("members").CountAsync());
            var runs = new List<LlmOps.Tracking.RunDetails>();
            await foreach (var info in client.Tracker.ListRunsAsync("api-docs-retrieval"))
            {
                runs.Add((await client.Tracker.GetRunAsync(info.Id))!);
            }

            Assert.Equal(16, runs.Count);
            Assert.All(runs, r => Assert.InRange(r.LatestMetrics["heldout_mrr"].Value, 0, 1));
            var best = runs.OrderByDescending(r => r.LatestMetrics["mrr"].Value).ThenByDescending(r => r.LatestMetrics["ndcg_at_k"].Value).First();
            var champion = (await client.Registry.GetAliasAsync(model, ModelRegistry.Champion))!;
            Assert.Equal(1, champion.Version);
            var version = (await client.Registry.GetVersionAsync(model, 1))!;
            Assert.Equal(best.Info.Id, version.RunId);
            // Meaning beats word overlap: MiniLM is chosen, and every MiniLM variant beats every lexical one on development MRR.
            Assert.Equal("all-minilm-l6-v2", best.Params["model"]);
            var byModel = runs.ToLookup(r => r.Params["model"], r => r.LatestMetrics["mrr"].Value);
            Assert.True(byModel["all-minilm-l6-v2"].Min() > byModel["lexical-ngram"].Max(), string.Join(", ", runs.Select(r => $"{r.Info.Name} {r.LatestMetrics["mrr"].Value:0.000}")));
        }

        var (mapExit, mapOutput, map) = await NotebookRun.RunAsync(
            RepositoryRoot.Combine("notebooks", "lifecycle-map.ipynb"), Path.Combine(_folder.FullName, "lifecycle-map.out.ipynb"),
            "-p", "storage=" + azurite.ConnectionString, "-p", "storagePrefix=" + prefix,
            "-p", "lifecycle=" + RepositoryRoot.Combine("samples", "api-docs.lifecycle.yaml"), "-p", "registered=" + model);
        Assert.True(mapExit == 0, mapOutput);
        var mapCells = string.Concat(NotebookRun.CodeCells(map).Select(NotebookRun.Outputs));
        foreach (var expected in new[] { "Release gates", "recall_at_k", "embeddings.centroid_shift", "reindex", "platform@example.com", "deploy:staging/", "produced_by", "evaluated_on", "dataset:members@", "<svg" })
        {
            Assert.Contains(expected, mapCells, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task LabelReview_OnAGeneratedLabelFile_ShowsAgreementAdjudicatesAndPublishes()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        // The tickets the project labels, ingested first so the labeled version carries their text.
        using (var client = new LlmOpsClient(azurite.ConnectionString, prefix))
        {
            await SampleTickets.IngestAsync(client);
        }

        // A label file the test writes: three annotators agree on 12 tickets' intent and urgency, except a three-way
        // split on T-1005's intent and chloe's urgency on T-1002.
        string[] intents = ["account", "billing", "technical", "other"];
        string[] urgency = ["low", "normal", "high"];
        var rows = new List<string> { "item,annotator,field,value" };
        for (var i = 1; i <= 12; i++)
        {
            foreach (var (annotator, n) in new[] { ("ana", 0), ("ben", 1), ("chloe", 2) })
            {
                var intent = i == 5 ? intents[n] : intents[i % 4];
                rows.Add($"T-{1000 + i},{annotator},intent,{intent}");
                rows.Add($"T-{1000 + i},{annotator},urgency,{(i == 2 && annotator == "chloe" ? "high" : urgency[i % 3])}");
            }
        }

        var labels = Path.Combine(_folder.FullName, "round-1.csv");
        await File.WriteAllLinesAsync(labels, rows);
        var notebook = RepositoryRoot.Combine("notebooks", "label-review.ipynb");
        var before = await File.ReadAllTextAsync(notebook);

        var (exit, output, written) = await NotebookRun.RunAsync(
            notebook, Path.Combine(_folder.FullName, "label-review.out.ipynb"),
            "-p", $"storage={azurite.ConnectionString}", "-p", $"storagePrefix={prefix}", "-p", $"labels={labels}");

        Assert.True(exit == 0, output);
        Assert.Equal(before, await File.ReadAllTextAsync(notebook));
        NotebookRun.AssertOnlyOutputsChanged(before, written);
        var cells = NotebookRun.CodeCells(written).ToList();
        Assert.All(cells, c => Assert.DoesNotContain("\"output_type\":\"error\"", NotebookRun.Outputs(c), StringComparison.Ordinal));
        var all = string.Concat(cells.Select(NotebookRun.Outputs));
        foreach (var expected in new[] { "krippendorff_alpha", "<svg", "T-1005", TestIdentity.Principal, "Published dataset:labels-ticket-intent@", "12 item(s), 72 label(s)" })
        {
            Assert.Contains(expected, all, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Feedback_OnTwoWeeksOfSimulatedTraces_ChartsQualityLatencyAndCostPerPromptVersion()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        var notebook = RepositoryRoot.Combine("notebooks", "feedback.ipynb");
        var before = await File.ReadAllTextAsync(notebook);
        string[] parameters = ["-p", $"storage={azurite.ConnectionString}", "-p", $"storagePrefix={prefix}", "-p", "lifecycle=" + RepositoryRoot.Combine("samples", "support-answers.lifecycle.yaml")];

        var (exit, output, written) = await NotebookRun.RunAsync(notebook, Path.Combine(_folder.FullName, "feedback.out.ipynb"), parameters);

        Assert.True(exit == 0, output);
        Assert.Equal(before, await File.ReadAllTextAsync(notebook));
        NotebookRun.AssertOnlyOutputsChanged(before, written);
        var cells = NotebookRun.CodeCells(written).ToList();
        Assert.All(cells, c => Assert.DoesNotContain("\"output_type\":\"error\"", NotebookRun.Outputs(c), StringComparison.Ordinal));
        var all = string.Concat(cells.Select(NotebookRun.Outputs));
        // 14 days of version 1 and 7 of version 2, 30 answers each: 630 traces, all accepted with their scores.
        Assert.Contains("630 simulated trace(s)", all, StringComparison.Ordinal);
        foreach (var expected in new[] { "Thumbs-up rate per day", "Latency p95 per day", "Cost per day (USD)", "prompt:support-answer/1", "prompt:support-answer/2", "The refund goes to the card", "<svg" })
        {
            Assert.Contains(expected, all, StringComparison.Ordinal);
        }

        // The charts draw what the stored traces say: version 2 (longer answers) is liked less and slower.
        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        var stats = await client.FeedbackAnalytics.StatsAsync("support-answers", DateTimeOffset.UtcNow.AddDays(-14), "prompt");
        var (v1, v2) = (stats.Groups.Single(g => g.Group.EndsWith("/1", StringComparison.Ordinal)), stats.Groups.Single(g => g.Group.EndsWith("/2", StringComparison.Ordinal)));
        Assert.Equal((420, 210), (v1.Requests, v2.Requests));
        Assert.True(v1.ThumbsUpRate > v2.ThumbsUpRate && v1.LatencyP95 < v2.LatencyP95 && v1.CostPerRequest < v2.CostPerRequest, $"{v1} {v2}");

        // Run again: the simulated ids are stored once.
        var (again, againOutput, _) = await NotebookRun.RunAsync(notebook, Path.Combine(_folder.FullName, "feedback.again.ipynb"), parameters);
        Assert.True(again == 0, againOutput);
        Assert.Equal(630, (await client.FeedbackAnalytics.StatsAsync("support-answers", DateTimeOffset.UtcNow.AddDays(-14))).Groups.Single().Requests);
    }

    [Fact]
    public void ShippedNotebooks_HaveThePolyglotMetadata_VsCodeWrites()
    {
        foreach (var name in new[] { "experiments.ipynb", "lifecycle-map.ipynb", "label-review.ipynb", "feedback.ipynb" })
        {
            var notebook = JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("notebooks", name)))!;
            Assert.Equal(".net-csharp", notebook["metadata"]!["kernelspec"]!["name"]!.GetValue<string>());
            Assert.Equal("csharp", notebook["metadata"]!["polyglot_notebook"]!["kernelInfo"]!["defaultKernelName"]!.GetValue<string>());
            var code = notebook["cells"]!.AsArray().Where(c => c!["cell_type"]!.GetValue<string>() == "code").ToList();
            Assert.All(code, c => Assert.Equal("csharp", c!["metadata"]!["polyglot_notebook"]!["kernelName"]!.GetValue<string>()));
            Assert.All(code, c => Assert.Empty(c!["outputs"]!.AsArray()));
            Assert.Single(code, c => c!["metadata"]!["tags"]?.AsArray().Any(t => t!.GetValue<string>() == "parameters") == true);
        }
    }
}
