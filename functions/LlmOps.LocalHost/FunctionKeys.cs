namespace LlmOps.LocalHost;

/// <summary>The host's keys: the master key opens every level, the function key opens function-level routes.</summary>
public sealed record FunctionKeys(string MasterKey, string FunctionKey);
