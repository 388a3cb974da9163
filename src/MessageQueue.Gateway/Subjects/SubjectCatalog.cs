using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace MessageQueue.Gateway.Subjects;

/// <summary>
/// The committed state of every subject, in memory, so reads never touch the store.
/// Only the store writer changes it, after a commit; readers on any thread see immutable snapshots.
/// </summary>
public sealed class SubjectCatalog
{
    private readonly ConcurrentDictionary<string, SubjectSnapshot> _subjects = new(StringComparer.Ordinal);
    private ImmutableArray<string> _names = [];

    /// <summary>Subject names in creation order.</summary>
    public ImmutableArray<string> Names => _names;

    public bool TryGet(string name, out SubjectSnapshot snapshot) => _subjects.TryGetValue(name, out snapshot!);

    public IEnumerable<SubjectSnapshot> All()
    {
        foreach (var name in _names)
        {
            if (_subjects.TryGetValue(name, out var snapshot))
                yield return snapshot;
        }
    }

    internal void Load(IEnumerable<SubjectSnapshot> subjects)
    {
        _subjects.Clear();
        foreach (var subject in subjects)
            _subjects[subject.Name] = subject;
        _names = [.. subjects.Select(s => s.Name)];
    }

    internal void Set(SubjectSnapshot snapshot) => _subjects[snapshot.Name] = snapshot;
}
