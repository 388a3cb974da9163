using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace MessageQueue.Gateway.Subjects;

/// <summary>
/// The committed state of every subject, in memory, so reads never touch the store: a cache of the store that the
/// change stream keeps, each change applied before any sink sees it. Readers on any thread see immutable snapshots.
/// </summary>
public sealed class SubjectCatalog
{
    private readonly ConcurrentDictionary<string, SubjectSnapshot> _subjects = new(StringComparer.Ordinal);
    private ImmutableArray<string> _names = [];

    /// <summary>Subject names in creation order; a new array whenever the set changes.</summary>
    public ImmutableArray<string> Names => _names;

    public bool TryGet(string name, out SubjectSnapshot snapshot) => _subjects.TryGetValue(name, out snapshot!);

    /// <summary>The subject's state, only while it is the subject of that id (not a later one of the same name).</summary>
    public bool TryGet(string name, int id, out SubjectSnapshot snapshot) =>
        _subjects.TryGetValue(name, out snapshot!) && snapshot.Id == id;

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

    /// <summary>Applies one committed change; the store writer's thread is the only caller.</summary>
    internal void Apply(SubjectChange change)
    {
        switch (change)
        {
            case SubjectCreated { Snapshot: var created }:
                if (_subjects.TryGetValue(created.Name, out var earlier))
                    _names = _names.Remove(earlier.Name, StringComparer.Ordinal); // a missed deletion: the new one goes last
                _subjects[created.Name] = created;
                _names = _names.Add(created.Name);
                break;
            case SubjectUpdate update when TryGet(update.Subject, update.SubjectId, out var current):
                _subjects[update.Subject] = current with { Content = update.Content, LastSequence = update.Sequence, LastUpdatedAt = update.Timestamp };
                break;
            case RegistrationsChanged registrations when TryGet(registrations.Subject, registrations.SubjectId, out var current):
                _subjects[registrations.Subject] = current with { EmailCount = registrations.EmailCount };
                break;
            case SubjectDeleted deleted when TryGet(deleted.Subject, deleted.SubjectId, out _):
                _subjects.TryRemove(deleted.Subject, out _);
                _names = _names.Remove(deleted.Subject, StringComparer.Ordinal);
                break;
        }
    }
}
