namespace LlmOps.Triggers;

/// <summary>The key an HTTP function demands, with the same meaning as Azure Functions' authorization levels.</summary>
public enum FunctionAuthLevel
{
    /// <summary>No key.</summary>
    Anonymous,

    /// <summary>A function key or the master key.</summary>
    Function,

    /// <summary>The master key only.</summary>
    Admin,
}
