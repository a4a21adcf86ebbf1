using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using LlmOps.Guardrails;
using LlmOps.Lifecycle;
using LlmOps.Registry;
using Microsoft.Extensions.AI;

namespace LlmOps.Client;

/// <summary>
/// The LlmOps middleware (<see cref="LlmOpsChatClientBuilderExtensions.UseLlmOps(ChatClientBuilder, string, LlmOpsClientOptions)"/>).
/// Per call: the prompt version the deployment serves for the call's unit (canary by bucket), its template rendered
/// with the call's variables and sent first as the system message; the feature's input guardrails on the user's
/// messages (redact, or throw <see cref="GuardrailBlockedException"/>) before the inner client and the output
/// guardrails on its answer after it; one GenAI span (model, tokens with cached and reasoning ones, latency, status,
/// the guardrails that fired, prompt version and deployment) exported to LlmOps; and on the shadow's share of calls the
/// deployment's shadow version answered too, off the request path, traced with <c>llmops.shadow=true</c>. When LlmOps is
/// unreachable the last resolved version keeps serving and spans wait in a buffer; a call never waits on LlmOps once a
/// version is known.
/// </summary>
public sealed class LlmOpsChatClient : DelegatingChatClient
{
    private readonly string _feature;
    private readonly LlmOpsClientOptions _options;
    private readonly PromptSource _prompts;
    private readonly SpanExporter _spans;
    private readonly HttpClient _http;
    private readonly ChatClientMetadata? _metadata;
    private readonly ConcurrentSet _shadows = new();

    public LlmOpsChatClient(IChatClient innerClient, string feature, LlmOpsClientOptions options)
        : base(innerClient)
    {
        ArgumentException.ThrowIfNullOrEmpty(feature);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Endpoint is null || string.IsNullOrEmpty(options.Prompt))
        {
            throw new ArgumentException("LlmOpsClientOptions needs Endpoint (the LlmOps app) and Prompt (the registered prompt to serve).", nameof(options));
        }

        _feature = feature;
        _options = options;
        _http = options.HttpHandler is { } handler ? new HttpClient(handler, disposeHandler: false) : new HttpClient();
        if (options.Key is { Length: > 0 } key)
        {
            _http.DefaultRequestHeaders.Add("x-functions-key", key);
        }

        _prompts = new PromptSource(_http, options, TimeProvider.System);
        _spans = new SpanExporter(options);
        _metadata = innerClient.GetService<ChatClientMetadata>();
    }

    /// <summary>Spans not yet accepted by LlmOps.</summary>
    public int BufferedSpans => _spans.Buffered;

    /// <summary>Spans dropped because the buffer was full while LlmOps was unreachable.</summary>
    public long DroppedSpans => _spans.Dropped;

    /// <summary>Spans LlmOps accepted.</summary>
    public long ExportedSpans => _spans.Exported;

    /// <summary>Why the last prompt resolve failed, while LlmOps is unreachable (null when it answers).</summary>
    public string? LastResolveError => _prompts.LastError;

    /// <summary>Waits for running shadow calls, then exports every buffered span; true when all were accepted.</summary>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken = default)
    {
        await _shadows.WhenAllAsync().WaitAsync(cancellationToken);
        return await _spans.TryExportAsync();
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var call = Call.Of(options, _options.DefaultUnit);
        var snapshot = await _prompts.GetAsync(cancellationToken);
        var served = snapshot?.Route(call.Unit);
        var guard = _options.Guardrails ? snapshot?.Guard : null;
        var prepared = Prepare(messages, served?.Template, call);
        var span = StartSpan(call, served, shadowOf: null, options);
        try
        {
            var flags = new List<string>();
            if (guard is not null)
            {
                prepared = GuardInput(guard, prepared, flags, span);
            }

            var started = Stopwatch.GetTimestamp();
            var response = await base.GetResponseAsync(prepared, call.Inner, cancellationToken);
            var latency = Stopwatch.GetElapsedTime(started);
            GuardVerdict? verdict = null;
            if (guard is not null)
            {
                verdict = guard.CheckOutput(response.Text, call.Retrieved);
                flags.AddRange(verdict.Flags);
                if (verdict.Action == GuardActions.Redact)
                {
                    response = Replace(response, verdict.Text);
                }
            }

            EndSpan(span, prepared, response, flags, latency);
            if (verdict is { Blocked: true })
            {
                throw new GuardrailBlockedException(GuardStage.Output, verdict, TraceId(span));
            }

            response.AdditionalProperties ??= [];
            response.AdditionalProperties[LlmOpsChatOptions.TraceIdKey] = TraceId(span);
            response.AdditionalProperties[LlmOpsChatOptions.GuardFlagsKey] = flags;
            if (served is not null)
            {
                response.AdditionalProperties[LlmOpsChatOptions.PromptVersionKey] = served.PromptVersion;
                response.AdditionalProperties[LlmOpsChatOptions.DeploymentKey] = served.Deployment;
                if (_options.Shadow && served.Shadow is { } shadow && Random.Shared.Next(100) < shadow.Percent)
                {
                    _shadows.Run(() => ShadowAsync(messages, call, served, shadow, guard, TraceId(span)));
                }
            }

            return response;
        }
        catch (GuardrailBlockedException)
        {
            throw;
        }
        catch (Exception ex)
        {
            Fail(span, ex);
            throw;
        }
    }

    /// <summary>Streams the answer after the whole of it passed the output guardrails (a redaction or block needs the whole text).</summary>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(LlmOpsChatClient) ? this : base.GetService(serviceType, serviceKey);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                FlushAsync().Wait(_options.Timeout);
            }
            catch (AggregateException)
            {
                // Disposing must not throw: what could not be exported is lost with the process anyway.
            }

            _spans.Dispose();
            _prompts.Dispose();
            _http.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task ShadowAsync(IEnumerable<ChatMessage> messages, Call call, PromptResolution served, ShadowResolution shadow, Guard? guard, string primary)
    {
        var prepared = Prepare(messages, shadow.Template, call);
        var span = StartSpan(call, served with { PromptVersion = shadow.PromptVersion }, primary, call.Inner);
        try
        {
            var flags = new List<string>();
            if (guard is not null)
            {
                prepared = GuardInput(guard, prepared, flags, span, throwOnBlock: false);
            }

            var started = Stopwatch.GetTimestamp();
            var response = await base.GetResponseAsync(prepared, call.Inner, CancellationToken.None);
            var latency = Stopwatch.GetElapsedTime(started);
            if (guard is not null)
            {
                var verdict = guard.CheckOutput(response.Text, call.Retrieved);
                flags.AddRange(verdict.Flags);
                response = verdict.Action == GuardActions.Redact ? Replace(response, verdict.Text) : response;
            }

            EndSpan(span, prepared, response, flags, latency);
        }
        catch (Exception ex)
        {
            // A shadow never reaches the user: its failure is recorded, not thrown.
            Fail(span, ex);
        }
    }

    private List<ChatMessage> GuardInput(Guard guard, List<ChatMessage> prepared, List<string> flags, Activity span, bool throwOnBlock = true)
    {
        var guarded = new List<ChatMessage>(prepared.Count);
        foreach (var message in prepared)
        {
            if (message.Role != ChatRole.User || message.Text is not { Length: > 0 } text)
            {
                guarded.Add(message);
                continue;
            }

            var verdict = guard.CheckInput(text);
            flags.AddRange(verdict.Flags);
            if (verdict.Blocked && throwOnBlock)
            {
                span.SetTag("llmops.safety_flags", flags.Distinct(StringComparer.Ordinal).ToArray());
                span.SetTag("llmops.guard.blocked", GuardStage.Input);
                RecordMessages(span, prepared, null);
                Finish(span);
                throw new GuardrailBlockedException(GuardStage.Input, verdict, TraceId(span));
            }

            guarded.Add(verdict.Action == GuardActions.Redact ? new ChatMessage(ChatRole.User, verdict.Text) { AuthorName = message.AuthorName } : message);
        }

        return guarded;
    }

    private static List<ChatMessage> Prepare(IEnumerable<ChatMessage> messages, string? template, Call call)
    {
        var prepared = new List<ChatMessage>();
        if (template is { Length: > 0 })
        {
            prepared.Add(new ChatMessage(ChatRole.System, PromptTemplate.Render(template, call.Variables)));
        }

        prepared.AddRange(messages);
        return prepared;
    }

    private Activity StartSpan(Call call, PromptResolution? served, string? shadowOf, ChatOptions? options)
    {
        var span = SpanExporter.Start("chat", _metadata?.ProviderName, options?.ModelId ?? _metadata?.DefaultModelId, _feature);
        span.SetTag("user.id", call.Unit);
        if (served is not null)
        {
            span.SetTag("llmops.prompt_version", served.PromptVersion);
            span.SetTag("llmops.deployment", served.Deployment);
        }
        else
        {
            span.SetTag("llmops.prompt_unresolved", true);
        }

        if (shadowOf is not null)
        {
            span.SetTag("llmops.shadow", true);
            span.SetTag("llmops.shadow_of", shadowOf);
        }

        return span;
    }

    private void EndSpan(Activity span, List<ChatMessage> prepared, ChatResponse response, List<string> flags, TimeSpan latency)
    {
        span.SetTag("gen_ai.response.model", response.ModelId);
        if (response.Usage is { } usage)
        {
            span.SetTag("gen_ai.usage.input_tokens", usage.InputTokenCount);
            span.SetTag("gen_ai.usage.output_tokens", usage.OutputTokenCount);
            span.SetTag("gen_ai.usage.cache_read.input_tokens", usage.CachedInputTokenCount);
            span.SetTag("gen_ai.usage.reasoning.output_tokens", usage.ReasoningTokenCount);
        }

        if (response.FinishReason is { } finish)
        {
            span.SetTag("gen_ai.response.finish_reasons", new[] { finish.Value });
        }

        if (flags.Count > 0)
        {
            span.SetTag("llmops.safety_flags", flags.Distinct(StringComparer.Ordinal).ToArray());
        }

        span.SetTag("llmops.latency_ms", latency.TotalMilliseconds);
        RecordMessages(span, prepared, response);
        Finish(span);
    }

    private void RecordMessages(Activity span, List<ChatMessage> prepared, ChatResponse? response)
    {
        if (!_options.RecordContent)
        {
            return;
        }

        span.SetTag("gen_ai.input.messages", Json(prepared.Where(m => m.Role == ChatRole.User)));
        if (response is not null)
        {
            span.SetTag("gen_ai.output.messages", Json(response.Messages));
        }
    }

    private void Fail(Activity span, Exception ex)
    {
        span.SetStatus(ActivityStatusCode.Error, ex.Message);
        span.SetTag("error.type", ex.GetType().FullName);
        Finish(span);
    }

    private void Finish(Activity span)
    {
        if (span.Duration == TimeSpan.Zero)
        {
            span.Stop();
            _spans.Add(span);
        }
    }

    private static string TraceId(Activity span) => $"{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}";

    private static ChatResponse Replace(ChatResponse response, string text) =>
        new(new ChatMessage(ChatRole.Assistant, text))
        {
            ResponseId = response.ResponseId,
            ConversationId = response.ConversationId,
            ModelId = response.ModelId,
            CreatedAt = response.CreatedAt,
            FinishReason = response.FinishReason,
            Usage = response.Usage,
            AdditionalProperties = response.AdditionalProperties,
        };

    private static string Json(IEnumerable<ChatMessage> messages) => JsonSerializer.Serialize(
        messages.Select(m => new { role = m.Role.Value, parts = new[] { new { type = "text", content = m.Text } } }));

    /// <summary>The call's unit, variables and retrieved chunks, and the options the inner client gets (without ours).</summary>
    private sealed record Call(string Unit, IReadOnlyDictionary<string, string> Variables, IReadOnlyCollection<string>? Retrieved, ChatOptions? Inner)
    {
        public static Call Of(ChatOptions? options, string defaultUnit)
        {
            var properties = options?.AdditionalProperties;
            if (properties is null || !properties.Keys.Any(k => k.StartsWith("llmops.", StringComparison.Ordinal)))
            {
                return new Call(defaultUnit, Empty, null, options);
            }

            var inner = options!.Clone();
            inner.AdditionalProperties = new AdditionalPropertiesDictionary(properties.Where(p => !p.Key.StartsWith("llmops.", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value));
            return new Call(
                properties.TryGetValue(LlmOpsChatOptions.UnitKey, out var unit) && unit is string u ? u : defaultUnit,
                properties.TryGetValue(LlmOpsChatOptions.VariablesKey, out var variables) && variables is IReadOnlyDictionary<string, string> v ? v : Empty,
                properties.TryGetValue(LlmOpsChatOptions.RetrievedKey, out var retrieved) && retrieved is IEnumerable<string> r ? r.ToHashSet(StringComparer.Ordinal) : null,
                inner);
        }

        private static readonly Dictionary<string, string> Empty = [];
    }

    /// <summary>Shadow calls still running, so a flush can wait for them.</summary>
    private sealed class ConcurrentSet
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, byte> _running = new();

        public void Run(Func<Task> work)
        {
            var task = Task.Run(work);
            _running[task] = 0;
            _ = task.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
        }

        public Task WhenAllAsync() => Task.WhenAll(_running.Keys);
    }
}
