namespace LlmOps.LocalHost.Worker;

/// <summary>A function failed inside the worker (its InvocationResponse said Failure or Cancelled), with the worker's exception.</summary>
public sealed class FunctionInvocationException : Exception
{
    public FunctionInvocationException()
    {
    }

    public FunctionInvocationException(string message)
        : base(message)
    {
    }

    public FunctionInvocationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
