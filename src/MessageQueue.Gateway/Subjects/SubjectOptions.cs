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
}
