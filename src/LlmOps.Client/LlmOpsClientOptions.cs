namespace LlmOps.Client;

/// <summary>Where LlmOps runs and how the middleware behaves; only <see cref="Endpoint"/> and <see cref="Prompt"/> are required.</summary>
public sealed class LlmOpsClientOptions
{
    /// <summary>The LlmOps Functions app (<c>https://&lt;app&gt;.azurewebsites.net</c>, or <c>llmops up</c>'s local address).</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>A function key or a named key (<c>llmops keys create</c>), sent as <c>x-functions-key</c>.</summary>
    public string? Key { get; set; }

    /// <summary>The registered prompt whose deployment answers (<c>prompt:support-answer</c> or <c>support-answer</c>).</summary>
    public string? Prompt { get; set; }

    /// <summary>The deployment environment.</summary>
    public string Environment { get; set; } = "prod";

    /// <summary>Check inputs and answers against the feature's lifecycle <c>guardrails</c> (on by default).</summary>
    public bool Guardrails { get; set; } = true;

    /// <summary>Run the deployment's shadow version on its share of calls (on by default; it never delays or changes an answer).</summary>
    public bool Shadow { get; set; } = true;

    /// <summary>Record the user's message and the answer on the span (LlmOps redacts personal data on arrival).</summary>
    public bool RecordContent { get; set; } = true;

    /// <summary>How long a resolved prompt is used before it is revalidated (with its ETag, off the request path).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often finished spans are exported, and buffered ones retried.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Spans kept while LlmOps is unreachable; beyond it the oldest are dropped (and counted).</summary>
    public int MaxBufferedSpans { get; set; } = 10_000;

    /// <summary>The longest a resolve or an export waits for LlmOps.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The unit of a call that names none (<see cref="LlmOpsChatOptions.WithLlmOps"/>): routes it to the stable deployment's bucket of this id.</summary>
    public string DefaultUnit { get; set; } = "anonymous";

    /// <summary>For tests and proxies: the handler the middleware's HTTP calls go through.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }
}
