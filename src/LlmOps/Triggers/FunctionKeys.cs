using System.Security.Cryptography;
using System.Text;

namespace LlmOps.Triggers;

/// <summary>
/// The local host's keys: the master key opens every level, the function key opens function-level routes. Kept in
/// <c>llmops-hosts/secrets/host.json</c> (<see cref="BlobName"/>), where the Functions app reads them back to check a
/// signed-in route's key (<see cref="HttpCallers.DemandSignedInAsync"/>).
/// </summary>
public sealed record FunctionKeys(string MasterKey, string FunctionKey)
{
    public const string BlobName = "secrets/host.json";

    /// <summary>Whether <paramref name="presented"/> is <paramref name="expected"/>, compared in constant time.</summary>
    public static bool Matches(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));
}
