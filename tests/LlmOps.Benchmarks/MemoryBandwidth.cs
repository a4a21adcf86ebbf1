using System.Diagnostics;
using System.Numerics.Tensors;

namespace LlmOps.Benchmarks;

/// <summary>The machine's memory bandwidth as a baseline: a plain (vectorized) sum over an array on every core, GB/s.</summary>
internal static class MemoryBandwidth
{
    public static double Measure(float[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var partitions = Environment.ProcessorCount;
        var clock = Stopwatch.StartNew();
        var total = 0f;
        var gate = new object();
        Parallel.For(0, partitions, p =>
        {
            var start = (int)((long)data.Length * p / partitions);
            var end = (int)((long)data.Length * (p + 1) / partitions);
            var part = TensorPrimitives.Sum(data.AsSpan(start, end - start));
            lock (gate)
            {
                total += part;
            }
        });
        var seconds = clock.Elapsed.TotalSeconds;
        GC.KeepAlive(total);
        return (double)data.Length * sizeof(float) / seconds / 1e9;
    }
}
