using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;

namespace MessageQueue.Gateway.ScaleOut;

/// <summary>How several instances sharing one PostgreSQL store hear of one another's changes.</summary>
public sealed class BusOptions
{
    public const string SectionName = "Bus";

    /// <summary>
    /// A StackExchange.Redis configuration string (e.g. "127.0.0.1:6379,password=..."): each commit's changes are
    /// relayed to the other instances through it. Empty: nothing is relayed (one instance, or several on PostgreSQL
    /// that hear of each other's changes from the store every <see cref="ReconcileIntervalMilliseconds"/>).
    /// </summary>
    public string Redis { get; set; } = "";

    /// <summary>The Redis channel the instances of one gateway share.</summary>
    [Required]
    public string Channel { get; set; } = "messagequeue:changes";

    /// <summary>
    /// On PostgreSQL, how often each instance compares the store with what it has heard and catches up: the bound on
    /// how late a change reaches another instance's doors when Redis is down or not configured.
    /// </summary>
    [Range(50, 60_000)]
    public int ReconcileIntervalMilliseconds { get; set; } = 1000;
}

public sealed class InstanceOptions
{
    public const string SectionName = "Instance";

    /// <summary>This instance's name in logs, metrics and health; by default the host name and a random suffix.</summary>
    [Required]
    [StringLength(100, MinimumLength = 1)]
    public string Name { get; set; } = $"{Environment.MachineName}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2))}";

    /// <summary>
    /// On PostgreSQL, how often this instance tells the others who listens on its doors (the overview sums them); one
    /// silent for three intervals is taken as gone.
    /// </summary>
    [Range(100, 60_000)]
    public int HeartbeatIntervalMilliseconds { get; set; } = 2000;
}
