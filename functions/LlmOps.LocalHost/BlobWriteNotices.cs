using System.Collections.Concurrent;
using System.Threading.Channels;

namespace LlmOps.LocalHost;

/// <summary>
/// Blob writes reported as they happen, the local counterpart of Event Grid's BlobCreated (and of the storage logs
/// the Functions host reads for large containers): `llmops up` feeds it from the access log of the Azurite it started.
/// A blob trigger watching the container looks a reported blob up at once instead of waiting for its sweep to reach
/// the name, which on a large container can take a minute. Notices are hints: the sweep still finds every blob, so a
/// lost, late or false notice changes when a blob runs, never whether or how often.
/// </summary>
public sealed class BlobWriteNotices
{
    /// <summary>Names waiting per watcher; past it a notice is dropped (and the sweep finds the blob).</summary>
    internal const int Capacity = 100_000;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<string>, byte>> _watchers = new(StringComparer.Ordinal);
    private long _dropped;

    /// <summary>Notices dropped because a watcher had <see cref="Capacity"/> names waiting.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Reports that <paramref name="blobName"/> in <paramref name="container"/> (the storage name, prefix included) was written.</summary>
    public void Publish(string container, string blobName)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(blobName);
        if (!_watchers.TryGetValue(container, out var watchers))
        {
            return;
        }

        foreach (var watcher in watchers.Keys)
        {
            if (!watcher.Writer.TryWrite(blobName))
            {
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    /// <summary>The names written to <paramref name="container"/> from now on, until the returned watch is disposed.</summary>
    internal Watch Subscribe(string container)
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(Capacity)
        {
            // Wait: TryWrite then refuses a write to a full channel instead of blocking the publisher, and it is counted.
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
        });
        _watchers.GetOrAdd(container, _ => new ConcurrentDictionary<Channel<string>, byte>())[channel] = 0;
        return new Watch(this, container, channel);
    }

    internal sealed class Watch(BlobWriteNotices notices, string container, Channel<string> channel) : IDisposable
    {
        public ChannelReader<string> Names => channel.Reader;

        public void Dispose()
        {
            if (notices._watchers.TryGetValue(container, out var watchers))
            {
                watchers.TryRemove(channel, out _);
            }

            channel.Writer.TryComplete();
        }
    }
}
