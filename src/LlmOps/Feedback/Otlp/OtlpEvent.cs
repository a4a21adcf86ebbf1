namespace LlmOps.Feedback.Otlp;

/// <summary>A span event (its name and attributes): older GenAI conventions put message contents in events.</summary>
public sealed record OtlpEvent(string Name, IReadOnlyDictionary<string, object?> Attributes);
