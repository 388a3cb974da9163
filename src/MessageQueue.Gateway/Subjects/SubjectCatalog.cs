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

    /// <summary>Raised after a subject was deleted, on the store writer's thread: handlers must return at once.</summary>
    public event Action<string>? Removed;

    /// <summary>Subject names in creation order; a new array whenever the set changes.</summary>
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

    /// <summary>Applies one commit: deletions first, then new and changed subjects (new names go last).</summary>
    internal void Apply(IReadOnlyCollection<string> removed, IEnumerable<SubjectSnapshot> changed)
    {
        var names = _names;
        foreach (var name in removed)
        {
            if (_subjects.TryRemove(name, out _))
                names = names.Remove(name, StringComparer.Ordinal);
        }
        foreach (var snapshot in changed)
        {
            if (!_subjects.ContainsKey(snapshot.Name))
                names = names.Add(snapshot.Name);
            _subjects[snapshot.Name] = snapshot;
        }
        _names = names;

        // Also for a name deleted and created again in one commit: what listened to the old subject must not take
        // the new one's updates (their sequence numbers start over) for its own.
        foreach (var name in removed)
            Removed?.Invoke(name);
    }
}
