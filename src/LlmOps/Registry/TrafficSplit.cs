using System.IO.Hashing;
using System.Text;

namespace LlmOps.Registry;

/// <summary>
/// What serves a name in an environment: the stable deployment and, while one runs, a canary taking
/// <see cref="CanaryPercent"/>% of requests. <see cref="Route"/> sends a request key (a user or session id) to the same
/// deployment every time, so one user does not flip between versions.
/// </summary>
public sealed record TrafficSplit(string Name, string Environment, Deployment? Stable, Deployment? Canary)
{
    public int CanaryPercent => Canary?.CanaryPercent ?? 0;

    /// <summary>The deployment that answers the request with <paramref name="key"/>: the canary for keys in its share, else the stable one.</summary>
    public Deployment? Route(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Canary is not null && Bucket(key) < CanaryPercent ? Canary : Stable;
    }

    /// <summary>The key's bucket, 0 to 99 (XxHash32 of its UTF-8 bytes), the same on every machine.</summary>
    public static int Bucket(string key) => (int)(XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(key)) % 100);
}
