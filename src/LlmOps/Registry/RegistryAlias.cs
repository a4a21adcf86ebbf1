using Azure;

namespace LlmOps.Registry;

/// <summary>A mutable pointer (champion, challenger, any name) at one version; <see cref="ETag"/> guards concurrent moves.</summary>
public sealed record RegistryAlias(string Name, string Alias, int Version, DateTimeOffset MovedAt, string MovedBy, ETag ETag);
