using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Feedback;

/// <summary>
/// A host process serving <c>POST /api/traces</c> is killed (SIGKILL) while four clients post, at the moment one batch
/// is durably written but not yet answered: every batch answered 202 before the kill is stored, the unanswered batch
/// too, and retrying every unanswered batch on a restarted host stores each id once.
/// </summary>
public sealed class FeedbackKillTests
{
    private const string Feature = "support";

    [Fact]
    public async Task HostKilledBetweenDurableWriteAndAnswer_NothingAcknowledgedLost_RetriesStoredOnce()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        var journalTable = TestNames.Table("fbkill");
        var key = "k" + Guid.NewGuid().ToString("N");
        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(new LifecycleBuilder(Feature).Source("tickets", idField: "id").Build(), "support.yaml", CancellationToken.None);
        var journal = new TableClient(azurite.ConnectionString, journalTable);

        var acknowledged = new ConcurrentBag<string>();
        var unanswered = new ConcurrentBag<List<object>>();
        var hang = Batch("hang", 25);
        using (var first = await StartHostAsync(azurite.ConnectionString, prefix, journalTable, key))
        {
            using var http = new HttpClient { BaseAddress = first.Address, Timeout = TimeSpan.FromMinutes(2) };
            using var stop = new CancellationTokenSource();
            var clients = Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
            {
                for (var b = 0; ; b++)
                {
                    var batch = Batch($"c{c}-b{b:000}", 25);
                    try
                    {
                        using var response = await PostAsync(http, key, batch);
                        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                        Assert.Equal(25, body.GetProperty("accepted").GetInt32());
                        foreach (var item in batch)
                        {
                            acknowledged.Add(Id(item));
                        }
                    }
                    catch (HttpRequestException)
                    {
                        // The host died with this batch in flight: it was never acknowledged.
                        unanswered.Add(batch);
                        return;
                    }
                }
            })).ToList();

            await Eventually.UntilAsync(() => acknowledged.Count >= 40 * 25, "40 batches acknowledged before the kill", TimeSpan.FromMinutes(2));
            var hanging = PostAsync(http, key, hang);
            await Eventually.UntilAsync(async () => await journal.GetEntityIfExistsAsync<TableEntity>("written", Id(hang[0])), r => r.HasValue, "the hanging batch to be written", TimeSpan.FromMinutes(1));
            first.Process.Kill(entireProcessTree: true);
            await first.Process.WaitForExitAsync();
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => hanging);
            await Task.WhenAll(clients);
        }

        Assert.Equal(4, unanswered.Count);
        var posted = acknowledged.Concat(unanswered.SelectMany(b => b.Select(Id))).Concat(hang.Select(Id)).ToHashSet(StringComparer.Ordinal);

        // Everything acknowledged, and the batch killed between its write and its answer, is stored.
        foreach (var id in acknowledged.Concat(hang.Select(Id)))
        {
            Assert.NotNull((await client.Feedback.GetAsync(id)).Trace);
        }

        // The clients retry what was never answered on a restarted host: the hanging batch is all duplicates.
        using (var second = await StartHostAsync(azurite.ConnectionString, prefix, journalTable, key))
        {
            using var http = new HttpClient { BaseAddress = second.Address };
            using (var response = await PostAsync(http, key, hang))
            {
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                Assert.True(body.TryGetProperty("accepted", out _), body.ToString());
                Assert.Equal((HttpStatusCode.Accepted, 0, 25), (response.StatusCode, body.GetProperty("accepted").GetInt32(), body.GetProperty("duplicates").GetInt32()));
            }

            foreach (var batch in unanswered)
            {
                using var response = await PostAsync(http, key, batch);
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                Assert.Equal(25, body.GetProperty("accepted").GetInt32() + body.GetProperty("duplicates").GetInt32());
            }

            second.Process.Kill(entireProcessTree: true);
            await second.Process.WaitForExitAsync();
        }

        foreach (var id in posted.Except(acknowledged))
        {
            Assert.NotNull((await client.Feedback.GetAsync(id)).Trace);
        }

        // Analytics hold every posted id exactly once (the Parquet parts of a replayed batch are folded by id).
        using var query = await client.FeedbackAnalytics.OpenAsync(Feature, DateTimeOffset.UtcNow.AddDays(-1));
        var row = query.Rows("SELECT count(*) AS n, count(DISTINCT Id) AS d FROM traces").Single();
        Assert.Equal((long)posted.Count, Convert.ToInt64(row["n"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal((long)posted.Count, Convert.ToInt64(row["d"], System.Globalization.CultureInfo.InvariantCulture));
        var stats = await client.FeedbackAnalytics.StatsAsync(Feature, DateTimeOffset.UtcNow.AddDays(-1));
        Assert.Equal(posted.Count, stats.Groups.Single().Requests);
        await journal.DeleteAsync();
    }

    private static List<object> Batch(string tag, int size) =>
        [.. Enumerable.Range(0, size).Select(i => (object)new Dictionary<string, object>
        {
            ["id"] = $"{tag}-{i:00}",
            ["feature"] = Feature,
            ["output"] = $"answer {i}",
            ["latencyMs"] = 100 + i,
        })];

    private static string Id(object item) => (string)((Dictionary<string, object>)item)["id"];

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string key, List<object> batch) =>
        http.PostAsJsonAsync(new Uri($"/api/traces?code={key}", UriKind.Relative), batch, JsonSerializerOptions.Web);

    private static async Task<HostProcess> StartHostAsync(string connectionString, string prefix, string journalTable, string key)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "LlmOps.Tests.HostProcess.dll"), "feedback", connectionString, prefix, journalTable, key })
        {
            start.ArgumentList.Add(argument);
        }

        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Process.Start(start) ?? throw new InvalidOperationException("The host process did not start.");
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("listening ", StringComparison.Ordinal) == true)
            {
                listening.TrySetResult(new Uri(e.Data["listening ".Length..]));
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"The host process exited with {process.ExitCode} before listening."));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return new HostProcess(process, await listening.Task.WaitAsync(TimeSpan.FromMinutes(1)));
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    private sealed record HostProcess(Process Process, Uri Address) : IDisposable
    {
        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }

            Process.Dispose();
        }
    }
}
