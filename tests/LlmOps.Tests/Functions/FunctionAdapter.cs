using LlmOps.Triggers;

namespace LlmOps.Tests.Functions;

/// <summary>What one [Function] method in the Azure app declares, read with Roslyn.</summary>
public sealed record FunctionAdapter(
    string Name,
    TriggerKind? Kind,
    string? Target,
    IReadOnlyList<string> Methods,
    FunctionAuthLevel? AuthLevel,
    string? BlobSource,
    IReadOnlyList<string> InjectedTypes,
    string File);
