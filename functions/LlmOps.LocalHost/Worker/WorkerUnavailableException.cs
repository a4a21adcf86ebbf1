namespace LlmOps.LocalHost.Worker;

/// <summary>The worker process died, stopped answering or was not up in time: the invocation's input is retried.</summary>
public sealed class WorkerUnavailableException : Exception
{
    public WorkerUnavailableException()
    {
    }

    public WorkerUnavailableException(string message)
        : base(message)
    {
    }

    public WorkerUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
