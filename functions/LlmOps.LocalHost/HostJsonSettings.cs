using System.Globalization;
using System.Text.Json;

namespace LlmOps.LocalHost;

/// <summary>
/// The parts of host.json the local host honours, with the Azure Functions host's defaults where a value is absent.
/// </summary>
public sealed record HostJsonSettings
{
    public TimeSpan QueueMaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan QueueVisibilityTimeout { get; init; } = TimeSpan.Zero;

    public int QueueBatchSize { get; init; } = 16;

    public int QueueMaxDequeueCount { get; init; } = 5;

    public int BlobMaxDegreeOfParallelism { get; init; } = 8;

    public int PoisonBlobThreshold { get; init; } = 5;

    public static HostJsonSettings Default { get; } = new();

    public static HostJsonSettings Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"Cannot read host.json at {path}: {ex.Message}", ex);
        }

        return Parse(text, path);
    }

    public static HostJsonSettings Parse(string json, string source = "host.json")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"{source} is not valid JSON (line {ex.LineNumber + 1}): {ex.Message}", ex);
        }

        using (document)
        {
            var settings = Default;
            if (!document.RootElement.TryGetProperty("extensions", out var extensions))
            {
                return settings;
            }

            if (extensions.TryGetProperty("queues", out var queues))
            {
                settings = settings with
                {
                    QueueMaxPollingInterval = ReadTimeSpan(queues, "maxPollingInterval", source) ?? settings.QueueMaxPollingInterval,
                    QueueVisibilityTimeout = ReadTimeSpan(queues, "visibilityTimeout", source) ?? settings.QueueVisibilityTimeout,
                    QueueBatchSize = ReadInt(queues, "batchSize", 1, 32, source) ?? settings.QueueBatchSize,
                    QueueMaxDequeueCount = ReadInt(queues, "maxDequeueCount", 1, 1000, source) ?? settings.QueueMaxDequeueCount,
                };
            }

            if (extensions.TryGetProperty("blobs", out var blobs))
            {
                settings = settings with
                {
                    BlobMaxDegreeOfParallelism = ReadInt(blobs, "maxDegreeOfParallelism", 1, 256, source) ?? settings.BlobMaxDegreeOfParallelism,
                    PoisonBlobThreshold = ReadInt(blobs, "poisonBlobThreshold", 1, 100, source) ?? settings.PoisonBlobThreshold,
                };
            }

            return settings;
        }
    }

    private static TimeSpan? ReadTimeSpan(JsonElement section, string name, string source)
    {
        if (!section.TryGetProperty(name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && TimeSpan.TryParse(value.GetString(), CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        throw new InvalidOperationException($"{source}: extensions.{name} must be a time span such as \"00:00:30\", got {value.GetRawText()}.");
    }

    private static int? ReadInt(JsonElement section, string name, int min, int max, string source)
    {
        if (!section.TryGetProperty(name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= min && number <= max)
        {
            return number;
        }

        throw new InvalidOperationException($"{source}: extensions.{name} must be an integer from {min} to {max}, got {value.GetRawText()}.");
    }
}
