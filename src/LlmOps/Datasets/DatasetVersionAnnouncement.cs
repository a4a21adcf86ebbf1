namespace LlmOps.Datasets;

/// <summary>The message on the dataset-versions queue announcing a newly published version.</summary>
public sealed record DatasetVersionAnnouncement(string Id, string Feature, string Source, string Manifest, long Records, long Chunks);
