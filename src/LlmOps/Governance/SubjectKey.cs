using System.Security.Cryptography;
using System.Text;

namespace LlmOps.Governance;

/// <summary>
/// The secret that turns a user or session id into the hash LlmOps keeps (HMAC-SHA-256, the first 16 hex digits):
/// without the key, a known e-mail address cannot be matched to its hash by hashing it.
/// </summary>
public sealed class SubjectKey(byte[] key)
{
    private readonly byte[] _key = key.Length >= 32 ? key : throw new ArgumentException("A subject key has at least 32 bytes.", nameof(key));

    /// <summary>A user or session id as kept (never the raw id); null stays null.</summary>
    public string? Hash(string kind, string? id) =>
        id is null ? null : Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(kind + ":" + id)))[..16];
}
