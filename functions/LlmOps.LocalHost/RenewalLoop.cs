namespace LlmOps.LocalHost;

/// <summary>
/// Renews something held (a blob lease, a claimed receipt) every interval until stopped; the first renewal that fails,
/// for any reason, ends the loop and is reported, so the work under it can stop instead of carrying on unguarded.
/// </summary>
internal static class RenewalLoop
{
    public static async Task RunAsync(TimeSpan interval, Func<Task> renew, Func<Exception, Task> lost, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(interval, stop);
                try
                {
                    await renew();
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stop.IsCancellationRequested)
                {
                    await lost(ex);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped.
        }
    }
}
