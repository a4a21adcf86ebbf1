namespace LlmOps.Governance;

/// <summary>Settings of section <c>LlmOps:Governance</c>.</summary>
public sealed class GovernanceOptions
{
    public const string SectionName = "LlmOps:Governance";

    /// <summary>
    /// Principals that are admins of every feature without a row in the roles table (Bicep sets the deployer's object id):
    /// with one configured, roles are enforced from the first call.
    /// </summary>
    public IList<string> Admins { get; } = [];

    /// <summary>
    /// Trust the <c>X-MS-CLIENT-PRINCIPAL</c> header: only behind App Service authentication, which sets it and strips
    /// what a client sends (Bicep turns both on). Off, the header is ignored, so nobody can claim a principal locally.
    /// </summary>
    public bool TrustAppServiceAuthentication { get; set; }

    /// <summary>The secret user and session ids are hashed with (at least 32 characters; in Azure a Key Vault reference). Empty: one is generated and kept in storage.</summary>
    public string? SubjectKey { get; set; }
}
