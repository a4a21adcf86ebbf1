using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using LlmOps.Errors;

namespace LlmOps.Lineage;

/// <summary>The readable typed ids of ARCHITECTURE.md: <c>kind:rest</c>.</summary>
public static partial class LineageIds
{
    /// <summary>Nodes that stand for a process rather than data: a walk passes through them only along the run it arrived by,
    /// so one preprocessing version shared by many drops does not link each drop to every other drop's dataset.</summary>
    public static IReadOnlySet<string> ProcessKinds { get; } = new HashSet<string>(StringComparer.Ordinal) { "prep" };

    public static string KindOf(string id)
    {
        Validate(id);
        return id[..id.IndexOf(':', StringComparison.Ordinal)];
    }

    /// <summary>Throws a clear <see cref="FormatException"/> unless <paramref name="id"/> is <c>kind:rest</c>.</summary>
    public static void Validate(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!IdPattern().IsMatch(id))
        {
            throw LlmOpsException.Invalid($"'{id}' is not a lineage id: expected kind:name, e.g. dataset:tickets@3f9a1c2e0b7d, run:01JD..., model:support-bot/7.");
        }
    }

    /// <summary>The node of one version of a blob: <c>blob:container/name@etag</c>.</summary>
    public static string Blob(string container, string name, string etag) => $"blob:{container}/{name}@{etag.Trim('"')}";

    /// <summary>A run id that is the same every time the same work is described the same way (an ETL of one blob version).</summary>
    public static Guid StableRunId(string description)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(description), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    [GeneratedRegex("^[a-z]+:.+$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex IdPattern();
}
