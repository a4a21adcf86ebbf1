using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmOps.Lifecycle;

namespace LlmOps.Ingestion.Processing;

/// <summary>
/// The preprocessing version id (<c>prep:tickets@v1-a1b2c3</c>): the lifecycle's declared version plus a hash of
/// the step configuration and the code version, so changing either makes a new version.
/// </summary>
public static class PreprocessingVersion
{
    /// <summary>Bumped whenever a step's behaviour changes (cleaning, redaction, chunking, record shape).</summary>
    public const string CodeVersion = "etl-7";

    public static string For(SourceDefinition source, PreprocessingSettings settings, QualitySettings quality)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(quality);
        var configuration = JsonSerializer.Serialize(new { CodeVersion, settings, quality, source.Schema, source.TextField, source.IdField }, JsonSerializerOptions.Web);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(configuration)))[..6];
        return $"prep:{source.Name}@{settings.Version}-{hash}";
    }
}
