namespace LlmOps.Governance;

/// <summary>A named key as stored: never its secret, only who made it and when (the secret is shown once, at creation).</summary>
public sealed record ApiKey(string Name, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    public string Principal => Caller.Key(Name).Id;
}
