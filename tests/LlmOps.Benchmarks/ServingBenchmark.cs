using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using LlmOps.Client;
using LlmOps.Development;
using LlmOps.Guardrails;
using LlmOps.Ingestion.Transform;
using LlmOps.Lifecycle;
using LlmOps.LocalHost;
using LlmOps.Registry;
using LlmOps.Triggers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmOps.Benchmarks;

/// <summary>
/// Serving: the LlmOps.Client middleware's cost per call against the bare inner client (a zero-latency in-process
/// client, so only the middleware is measured: prompt routing and rendering, guardrails on the question and the answer,
/// the span), with guardrails on and off, one caller and 64 concurrent; and POST /api/guard on 1 KB texts through the
/// local host against the redaction step alone on the same texts, one caller, batches of 100 and single texts.
/// </summary>
public static class ServingBenchmark
{
    public static async Task<List<(string, string)>> RunAsync(AzuriteServer azurite, int calls, int texts)
    {
        var results = new List<(string, string)>();
        using var client = new LlmOpsClient(azurite.ConnectionString, "benchserving");
        await client.ProvisionAsync();
        var feature = "serving-bench";
        var lifecycle = await client.Lifecycles.PublishAsync("""
            feature: serving-bench
            sources:
              - name: serving-tickets
                path: raw/serving/
                format: jsonl
                id_field: id
                text_field: body
                schema: { id: { type: string, required: true }, body: { type: string, required: true } }
            guardrails:
              input: { pii: redact, injection: block, max_tokens: 4000 }
              output: { pii: redact, citations: flag, blocked_terms: [internal use only] }
            """, "serving.yaml", CancellationToken.None);
        var run = await client.Tracker.StartRunAsync("prompt-authoring", new LlmOps.Tracking.RunStart { Name = "bench" });
        var version = await client.Registry.RegisterAsync(new RegisterRequest("prompt:serving-bench", run.Id) { Feature = feature, Template = "Answer from these tickets, citing them.\n\n{{context}}" });
        await client.Registry.DeployAsync("prompt:serving-bench", version.Version, "prod", why: "bench");

        var settings = new LocalFunctionHostSettings
        {
            Catalog = new FunctionCatalog([.. TriggerCatalog.All.Where(f => f.Name is TriggerCatalog.ResolvePrompt or TriggerCatalog.OtlpTraces or TriggerCatalog.Guard)]),
            ConfigureLogging = l => l.ClearProviders(),
        };
        settings.Configuration["LlmOps:Storage:ConnectionString"] = azurite.ConnectionString;
        settings.Configuration["LlmOps:Storage:Prefix"] = "benchserving";
        settings.Configuration["LlmOps:Host:HttpPort"] = "0";
        await using var host = LocalFunctionHost.Create(settings);
        await host.StartAsync();
        var key = (await host.GetKeysAsync()).FunctionKey;

        // Middleware overhead: per-call latency, median over the calls of a repetition, then the median over repetitions.
        var inner = new ZeroLatencyChatClient();
        using var guarded = new ChatClientBuilder(inner).UseLlmOps(feature, Options(host, key, guardrails: true)).Build();
        using var plain = new ChatClientBuilder(inner).UseLlmOps(feature, Options(host, key, guardrails: false)).Build();
        var options = new ChatOptions().WithLlmOps("user-7", new Dictionary<string, string> { ["context"] = "[tickets:T-1001#0000] The reset link expired; a new one fixes it." });
        const string Question = "My password reset link says the token expired, what now? Write to me at jane.doe@example.com";
        foreach (var concurrency in new[] { 1, 64 })
        {
            var rows = await Repeated.RunAsync(async _ => (
                Bare: await P50Async(inner, Question, options, calls, concurrency),
                On: await P50Async(guarded, Question, options, calls, concurrency),
                Off: await P50Async(plain, Question, options, calls, concurrency)));
            var label = concurrency == 1 ? "1 caller" : $"{concurrency} concurrent callers";
            results.Add(($"Middleware overhead per call, guardrails on, {label} (p50 minus the bare client's p50; target <= 1 ms)", Repeated.Of(rows.Select(r => (r.On - r.Bare) * 1000)).Format("0.000", " ms")));
            results.Add(($"Middleware overhead per call, guardrails off, {label} (target <= 0.2 ms)", Repeated.Of(rows.Select(r => (r.Off - r.Bare) * 1000)).Format("0.000", " ms")));
            results.Add(($"Bare inner client p50 per call, {label}", Repeated.Of(rows.Select(r => r.Bare * 1000)).Format("0.0000", " ms")));
        }

        await guarded.GetService<LlmOpsChatClient>()!.FlushAsync();
        await plain.GetService<LlmOpsChatClient>()!.FlushAsync();

        // Guard endpoint throughput against the redaction step alone on the same 1 KB texts.
        var corpus = Texts(texts);
        var redactor = new PiiRedactor(lifecycle.Preprocessing.PiiTypes, lifecycle.Preprocessing.CustomPii);
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        http.DefaultRequestHeaders.Add("x-functions-key", key);
        // The handler alone (JSON in and out, the key's reader check, no HTTP): where the endpoint's time goes.
        var handler = new GuardEndpoint(client.Lifecycles, client.Governance, TimeProvider.System);
        var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { feature, stage = "output", texts = corpus.Take(1000).ToArray() });
        var direct = await Repeated.RunAsync(async _ =>
        {
            var clock = Stopwatch.StartNew();
            var response = await handler.HandleAsync(new HttpTriggerRequest("POST", "/api/guard", new Dictionary<string, string>(), new Dictionary<string, string>(), body), CancellationToken.None);
            return 1000 / clock.Elapsed.TotalSeconds + (response.StatusCode == 200 ? 0 : double.NaN);
        });
        results.Add(("Guard handler in process, a batch of 1000 (JSON in and out, no HTTP), 1 thread", Repeated.Of(direct).Format("0", " texts/s")));
        foreach (var batch in new[] { 1000, 100, 1 })
        {
            var count = batch == 1 ? Math.Min(texts, 2000) : texts;
            // The request bodies are made before the clock starts: the figure is the endpoint's, not the caller's JSON.
            var bodies = Enumerable.Range(0, (count + batch - 1) / batch).Select(b => corpus.Skip(b * batch).Take(Math.Min(batch, count - (b * batch))).ToArray())
                .Select(slice => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes<object>(batch == 1 ? new { feature, stage = "output", text = slice[0] } : new { feature, stage = "output", texts = slice }))
                .ToList();
            var rows = await Repeated.RunAsync(async _ =>
            {
                var clock = Stopwatch.StartNew();
                foreach (var request in bodies)
                {
                    using var content = new ByteArrayContent(request);
                    content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                    using var response = await http.PostAsync("api/guard", content);
                    response.EnsureSuccessStatusCode();
                    await response.Content.ReadAsByteArrayAsync();
                }

                var endpoint = count / clock.Elapsed.TotalSeconds;
                clock.Restart();
                var counts = new Dictionary<string, long>(StringComparer.Ordinal);
                foreach (var text in corpus.Take(count))
                {
                    redactor.Redact(text, counts);
                }

                var redaction = count / clock.Elapsed.TotalSeconds;
                return (Endpoint: endpoint, Redaction: redaction);
            });
            var label = batch == 1 ? "one text per request" : $"batches of {batch}";
            results.Add(($"POST /api/guard, 1 KB texts, {label}, 1 caller", Repeated.Of(rows.Select(r => r.Endpoint)).Format("0", " texts/s")));
            results.Add(($"Redaction step alone, same texts, 1 thread", Repeated.Of(rows.Select(r => r.Redaction)).Format("0", " texts/s")));
            results.Add(($"Guard endpoint / redaction alone, {label} (target >= 0.8)", Repeated.Of(rows.Select(r => r.Endpoint / r.Redaction)).Format("0.00")));
        }

        // Last, when every path is warm: the guard itself (every output rule) against the redaction it contains.
        var guard = new Guard(GuardPolicy.Of(lifecycle));
        var inProcess = await Repeated.RunAsync(_ =>
        {
            var clock = Stopwatch.StartNew();
            foreach (var text in corpus)
            {
                guard.CheckOutput(text);
            }

            var guarded = corpus.Length / clock.Elapsed.TotalSeconds;
            clock.Restart();
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var text in corpus)
            {
                redactor.Redact(text, counts);
            }

            return Task.FromResult((Guard: guarded, Redaction: corpus.Length / clock.Elapsed.TotalSeconds));
        });
        results.Add(("Guard in process (every output rule), 1 KB texts, 1 thread", Repeated.Of(inProcess.Select(r => r.Guard)).Format("0", " texts/s")));
        results.Add(("Redaction step alone, same texts, 1 thread", Repeated.Of(inProcess.Select(r => r.Redaction)).Format("0", " texts/s")));
        results.Add(("Guard in process / redaction alone", Repeated.Of(inProcess.Select(r => r.Guard / r.Redaction)).Format("0.00")));
        return results;
    }

    private static LlmOpsClientOptions Options(LocalFunctionHost host, string key, bool guardrails) => new()
    {
        Endpoint = host.HttpAddress,
        Key = key,
        Prompt = "prompt:serving-bench",
        Guardrails = guardrails,
    };

    /// <summary>The median seconds per call of <paramref name="calls"/> calls made by <paramref name="concurrency"/> callers.</summary>
    private static async Task<double> P50Async(IChatClient chat, string question, ChatOptions options, int calls, int concurrency)
    {
        var latencies = new double[calls];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < calls)
            {
                var started = Stopwatch.GetTimestamp();
                await chat.GetResponseAsync(question, options);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalSeconds;
            }
        })));
        Array.Sort(latencies);
        return latencies[calls / 2];
    }

    /// <summary>Texts of about 1 KB: support prose with an e-mail address, a phone number or a card in some.</summary>
    private static string[] Texts(int count)
    {
        string[] sentences =
        [
            "The export of the ticket history stopped after about sixty seconds with a gateway error.",
            "We reset the password twice but the link in the message says the token expired.",
            "Our November invoice charges VAT although the exemption certificate is on file.",
            "The customer asked whether the refund goes back to the card used for the order.",
            "Please check the audit log for the change to the billing address last Tuesday.",
            "Reply to the customer at {0} once the refund has been issued.",
            "She called from +1 415 555 {1:0000} and asked for a callback before noon.",
            "The charge on card 4111 1111 1111 1111 was made twice for the same order.",
        ];
        var random = new Random(7);
        var texts = new string[count];
        for (var i = 0; i < count; i++)
        {
            var text = new StringBuilder();
            while (text.Length < 1024)
            {
                text.Append(CultureInfo.InvariantCulture, $"{string.Format(CultureInfo.InvariantCulture, sentences[random.Next(sentences.Length)], $"user{i}@example.com", random.Next(10000))} ");
            }

            texts[i] = text.ToString(0, 1024);
        }

        return texts;
    }

    /// <summary>An inner client that answers at once, so the figures are the middleware's own cost.</summary>
    private sealed class ZeroLatencyChatClient : IChatClient
    {
        private static readonly ChatClientMetadata Metadata = new("bench", null, "zero-latency");

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Send a new reset link from the sign-in page [tickets:T-1001#0000]."))
            {
                Usage = new UsageDetails { InputTokenCount = 120, OutputTokenCount = 14 },
                ModelId = "zero-latency",
            });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType == typeof(ChatClientMetadata) ? Metadata : null;

        public void Dispose()
        {
        }
    }
}
