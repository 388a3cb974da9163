using System.ComponentModel.DataAnnotations;

namespace MessageQueue.Gateway.Subjects;

/// <summary>Limits that every door enforces through <see cref="SubjectValidator"/>.</summary>
public sealed class SubjectOptions
{
    public const string SectionName = "Subjects";

    /// <summary>Longest subject name, in characters.</summary>
    [Range(1, 200)]
    public int MaxNameLength { get; set; } = 64;

    /// <summary>Largest update text, in UTF-8 bytes.</summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxUpdateBytes { get; set; } = 32 * 1024;

    /// <summary>
    /// A subject's content (legacy replies and publications, the hub's content, the dashboard) is its newest text up to
    /// this many UTF-8 bytes; older whole lines drop off the front. The history keeps every update in full.
    /// </summary>
    [Range(16, 64 * 1024 * 1024)]
    public int MaxContentBytes { get; set; } = 64 * 1024;

    /// <summary>Most subjects that may exist at once (every legacy list reply names them all).</summary>
    [Range(1, 100_000)]
    public int MaxSubjects { get; set; } = 1000;

    /// <summary>Most updates in one page of history.</summary>
    [Range(1, 10_000)]
    public int MaxPageSize { get; set; } = 1000;
}
