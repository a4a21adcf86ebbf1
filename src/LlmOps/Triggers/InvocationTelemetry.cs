using System.Diagnostics;
using LlmOps.Triggers;
using LlmOps.Telemetry;

namespace LlmOps.Triggers;

/// <summary>
/// One function invocation as telemetry: a span named after the function (trigger, input id, attempt, outcome; its
/// duration is the span's) and, where the handler runs, the invocation metrics. The local host starts one for every
/// invocation it dispatches; the Functions worker starts one per invocation it runs, under the host's span. Metrics
/// are recorded once per invocation, by the scope that runs the handler (<c>recordsMetrics</c>).
/// </summary>
public sealed class InvocationTelemetry : IDisposable
{
    /// <summary>The <c>llmops.host</c> of invocations the local host dispatches.</summary>
    public const string LocalHost = "local-host";

    /// <summary>The <c>llmops.host</c> of invocations the Functions worker runs (locally or in Azure).</summary>
    public const string Worker = "worker";

    private static readonly AsyncLocal<InvocationTelemetry?> Ambient = new();
    private readonly IDisposable _caller;

    private readonly InvocationTelemetry? _outer;
    private readonly bool _recordsMetrics;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly TagList _tags;
    private string? _outcome;
    private string? _error;
    private bool _disposed;

    private InvocationTelemetry(string function, TriggerKind trigger, string? inputId, long attempt, string host, bool recordsMetrics, ActivityContext parent, string? invocationId)
    {
        Function = function;
        Trigger = trigger;
        _recordsMetrics = recordsMetrics;
        _tags = new TagList { { "llmops.function", function }, { "llmops.trigger", Name(trigger) }, { "llmops.host", host } };
        Activity = LlmOpsTelemetry.Functions.StartActivity(function, KindOf(trigger), parent);
        if (Activity is not null)
        {
            Activity.SetTag("faas.name", function);
            Activity.SetTag("faas.trigger", FaasTrigger(trigger));
            Activity.SetTag("faas.invocation_id", invocationId);
            Activity.SetTag("llmops.function", function);
            Activity.SetTag("llmops.trigger", Name(trigger));
            Activity.SetTag("llmops.host", host);
            Activity.SetTag("llmops.input.id", inputId);
            Activity.SetTag("llmops.attempt", attempt);
        }

        _outer = Ambient.Value;
        Ambient.Value = this;

        // What the function changes, it changes as itself, unless a request names its caller (HTTP functions do).
        _caller = Governance.CallerContext.Use(Governance.Caller.Function(function));
    }

    /// <summary>The invocation running on this async flow, if any: handlers and dead-letters report to it.</summary>
    public static InvocationTelemetry? Current => Ambient.Value;

    public string Function { get; }

    public TriggerKind Trigger { get; }

    /// <summary>The invocation's span; null when nothing listens to <see cref="LlmOpsTelemetry.Functions"/>.</summary>
    public Activity? Activity { get; }

    /// <summary>The outcome so far: null while running, then succeeded, failed, dead_lettered or cancelled.</summary>
    public string? Outcome => _outcome;

    /// <param name="function">The catalog name.</param>
    /// <param name="inputId">The blob path, queue message id, scheduled time or HTTP route.</param>
    /// <param name="attempt">1 for a first try; a queue message's dequeue count, a blob receipt's attempts plus one.</param>
    /// <param name="host">Which host runs it: <c>local-host</c> or <c>worker</c>.</param>
    /// <param name="recordsMetrics">False for a host span around an invocation another process runs (and measures).</param>
    /// <param name="parent">The caller's span (the Functions host's trace context in the worker); default: the ambient one.</param>
    public static InvocationTelemetry Start(string function, TriggerKind trigger, string? inputId, long attempt, string host, bool recordsMetrics = true, ActivityContext parent = default, string? invocationId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(function);
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        return new InvocationTelemetry(function, trigger, inputId, attempt, host, recordsMetrics, parent, invocationId);
    }

    /// <summary>The blob's last write: the lag from it to this start is recorded (blob triggers).</summary>
    public void BlobWritten(DateTimeOffset writtenAt)
    {
        var lag = Math.Max(0, (DateTimeOffset.UtcNow - writtenAt).TotalSeconds);
        Activity?.SetTag("llmops.blob.trigger_lag_s", Math.Round(lag, 3));
        if (_recordsMetrics)
        {
            LlmOpsTelemetry.BlobTriggerLag.Record(lag, _tags);
        }
    }

    public void Succeeded()
    {
        // A dead-letter reported during the run (the adapter poisoned its input and returned normally) stands.
        _outcome ??= "succeeded";
        Activity?.SetStatus(ActivityStatusCode.Ok);
    }

    /// <summary>The input was put on a poison queue as permanently bad; the invocation itself ended normally.</summary>
    public void DeadLettered(string reason)
    {
        _outcome = "dead_lettered";
        _error = reason;
        Activity?.SetStatus(ActivityStatusCode.Error, reason);
        Activity?.SetTag("llmops.dead_letter.reason", reason);
    }

    /// <summary>An HTTP invocation answered: a 5xx is a failure, anything else (a 4xx is the caller's) a success.</summary>
    public void Responded(int statusCode)
    {
        Activity?.SetTag("http.response.status_code", statusCode);
        if (statusCode >= 500)
        {
            _outcome = "failed";
            _error = $"HTTP {statusCode}";
            Activity?.SetStatus(ActivityStatusCode.Error, _error);
        }
        else
        {
            Succeeded();
        }
    }

    /// <summary>
    /// Its input went to a poison queue: after a failure that used up the retries (the outcome stays failed) or as
    /// permanently bad while the invocation runs (a Functions adapter dead-lettering and returning normally).
    /// </summary>
    public void InputPoisoned(string queue, string reason)
    {
        Activity?.SetTag("llmops.poison.queue", queue);
        if (_outcome is null)
        {
            DeadLettered(reason);
        }
    }

    public void Failed(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        _outcome = exception is OperationCanceledException ? "cancelled" : "failed";
        _error = $"{exception.GetType().Name}: {exception.Message.Split('\n')[0]}";
        Activity.RecordError(exception);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _caller.Dispose();
        var outcome = _outcome ?? "cancelled";
        Activity?.SetTag("llmops.outcome", outcome);
        if (_recordsMetrics)
        {
            var tags = _tags;
            tags.Add("llmops.outcome", outcome);
            LlmOpsTelemetry.Invocations.Add(1, tags);
            if (outcome is "failed" or "dead_lettered")
            {
                LlmOpsTelemetry.Failures.Add(1, _tags);
            }

            LlmOpsTelemetry.Duration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, tags);
            if (outcome != "cancelled")
            {
                InvocationLedger.Shared.Record(Function, outcome == "succeeded", _error, DateTimeOffset.UtcNow);
            }
        }

        Activity?.Dispose();
        if (Ambient.Value == this)
        {
            Ambient.Value = _outer;
        }
    }

    public static string Name(TriggerKind trigger) => trigger.ToString().ToLowerInvariant();

    private static ActivityKind KindOf(TriggerKind trigger) => trigger switch
    {
        TriggerKind.Http => ActivityKind.Server,
        TriggerKind.Timer => ActivityKind.Internal,
        _ => ActivityKind.Consumer,
    };

    /// <summary>The OpenTelemetry FaaS convention's trigger names.</summary>
    private static string FaasTrigger(TriggerKind trigger) => trigger switch
    {
        TriggerKind.Blob => "datasource",
        TriggerKind.Queue => "pubsub",
        TriggerKind.Timer => "timer",
        TriggerKind.Http => "http",
        _ => "other",
    };
}
