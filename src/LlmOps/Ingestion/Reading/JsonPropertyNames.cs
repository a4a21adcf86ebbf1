using System.Collections.Concurrent;
using System.Text.Json;

namespace LlmOps.Ingestion.Reading;

/// <summary>
/// Property names of JSON Lines records, one string instance per name: a drop repeats the same few keys on every
/// line, so they are decoded into a stack buffer and looked up instead of allocated per record. Bounded, so a drop
/// with endless distinct keys only stops being cached.
/// </summary>
internal static class JsonPropertyNames
{
    private const int MaxCached = 4096;
    private const int MaxCachedLength = 64;
    private static readonly ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup = Cache.GetAlternateLookup<ReadOnlySpan<char>>();

    public static string Get(ref Utf8JsonReader reader)
    {
        if (reader.HasValueSequence || reader.ValueSpan.Length > MaxCachedLength)
        {
            return reader.GetString()!;
        }

        Span<char> buffer = stackalloc char[MaxCachedLength];
        var name = buffer[..reader.CopyString(buffer)];
        if (Lookup.TryGetValue(name, out var cached))
        {
            return cached;
        }

        var created = name.ToString();
        return Cache.Count < MaxCached ? Cache.GetOrAdd(created, created) : created;
    }
}
