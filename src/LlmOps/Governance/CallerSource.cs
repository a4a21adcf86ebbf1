namespace LlmOps.Governance;

/// <summary>How a caller was identified.</summary>
public enum CallerSource
{
    /// <summary>Nothing identified the caller.</summary>
    None,

    /// <summary>A named key (<c>llmops keys create</c>), or the host's shared function key.</summary>
    Key,

    /// <summary>Microsoft Entra ID: App Service authentication's principal header, or the signed-in Azure identity's token.</summary>
    EntraId,

    /// <summary>The local identity file of the CLI and notebooks on Azurite (<c>llmops identity set</c>).</summary>
    LocalIdentity,

    /// <summary>A function of the catalog acting on an event (a blob drop, a queue message, a timer).</summary>
    Function,
}
