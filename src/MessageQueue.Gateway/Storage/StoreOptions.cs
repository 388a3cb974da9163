using System.ComponentModel.DataAnnotations;

namespace MessageQueue.Gateway.Storage;

public sealed class StoreOptions
{
    public const string SectionName = "Store";

    /// <summary>Most changes committed in one transaction.</summary>
    [Range(1, 10_000)]
    public int MaxBatchSize { get; set; } = 512;

    /// <summary>Changes that may wait for the writer before new ones are refused as busy.</summary>
    [Range(1, 1_000_000)]
    public int MaxQueuedChanges { get; set; } = 20_000;
}
