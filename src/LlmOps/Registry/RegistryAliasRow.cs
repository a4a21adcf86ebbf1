using LlmOps.Storage;

namespace LlmOps.Registry;

/// <summary>An alias in table <c>registry</c> (RowKey <c>alias|</c>name); its ETag guards concurrent moves.</summary>
public sealed class RegistryAliasRow : TableRow
{
    public string Alias { get; set; } = "";

    public int Version { get; set; }

    public DateTimeOffset MovedAt { get; set; }

    public string MovedBy { get; set; } = "";

    internal RegistryAlias ToAlias(string name) => new(name, Alias, Version, MovedAt, MovedBy, ETag);
}
