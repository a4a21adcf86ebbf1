namespace LlmOps.Registry;

/// <summary>Someone else changed the same alias (or registered the same name) between our read and our write.</summary>
public sealed class RegistryConflictException : Exception
{
    public RegistryConflictException()
    {
    }

    public RegistryConflictException(string message)
        : base(message)
    {
    }

    public RegistryConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
