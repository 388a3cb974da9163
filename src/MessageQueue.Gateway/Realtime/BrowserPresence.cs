using System.Collections.Concurrent;

namespace MessageQueue.Gateway.Realtime;

/// <summary>
/// Which hub connections are subscribed to which subject, and which watch the overview. SignalR groups deliver;
/// this keeps the count, and the members a deleted subject must let go. A subject is known by its id here, as its
/// group is: a subject deleted and created again under the same name has other subscribers.
/// </summary>
internal sealed class BrowserPresence
{
    // Per connection: each subject's name and the id of the subject of that name it joined.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, int>> _subjectsOf = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, ConcurrentDictionary<string, byte>> _membersOf = new();
    private readonly ConcurrentDictionary<string, byte> _watchers = new(StringComparer.Ordinal);

    // Per connection: the (subject id, normalized address) pairs it registered, each with the subject's last sequence
    // number before it did: what came before that, the page did not receive live.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<(int SubjectId, string Email), long>> _addressesOf = new(StringComparer.Ordinal);

    /// <summary>Addresses one connection may speak for: a page registers a few, not thousands.</summary>
    internal const int MaxAddressesPerConnection = 16;

    public int Connections => _subjectsOf.Count;

    public int Watchers => _watchers.Count;

    public int CountMembers(int subjectId) => _membersOf.TryGetValue(subjectId, out var members) ? members.Count : 0;

    public void Connected(string connectionId) => _subjectsOf.TryAdd(connectionId, new(StringComparer.Ordinal));

    public void Disconnected(string connectionId)
    {
        _watchers.TryRemove(connectionId, out _);
        _addressesOf.TryRemove(connectionId, out _);
        if (!_subjectsOf.TryRemove(connectionId, out var subjects))
            return;
        foreach (var subjectId in subjects.Values)
            RemoveMember(subjectId, connectionId);
    }

    /// <summary>
    /// Counts the connection in; false when it was already (or is no longer connected). <paramref name="replaced"/> is
    /// an earlier subject of the same name the connection had joined, whose group it must leave.
    /// </summary>
    public bool Join(string subject, int subjectId, string connectionId, out int? replaced)
    {
        // A connection's hub calls run one at a time: no other call of this connection changes its subjects meanwhile.
        replaced = null;
        if (!_subjectsOf.TryGetValue(connectionId, out var subjects))
            return false;
        if (subjects.TryGetValue(subject, out var earlier))
        {
            if (earlier == subjectId)
                return false;
            RemoveMember(earlier, connectionId);
            replaced = earlier;
        }
        subjects[subject] = subjectId;
        _membersOf.GetOrAdd(subjectId, static _ => new(StringComparer.Ordinal)).TryAdd(connectionId, 0);
        if (!_subjectsOf.ContainsKey(connectionId))
            RemoveMember(subjectId, connectionId); // it disconnected while joining: its Disconnected may have missed this
        return true;
    }

    /// <summary>Counts the connection out of the subject; the id of the subject it had joined, whose group it leaves.</summary>
    public int? Leave(string subject, string connectionId)
    {
        if (!_subjectsOf.TryGetValue(connectionId, out var subjects) || !subjects.TryRemove(subject, out var subjectId))
            return null;
        RemoveMember(subjectId, connectionId);
        return subjectId;
    }

    /// <summary>Forgets a deleted subject; returns the connections that were subscribed to it.</summary>
    public ICollection<string> RemoveSubject(string subject, int subjectId)
    {
        if (!_membersOf.TryRemove(subjectId, out var members))
            return [];
        foreach (var connectionId in members.Keys)
        {
            if (_subjectsOf.TryGetValue(connectionId, out var subjects))
                subjects.TryRemove(new(subject, subjectId));
        }
        return members.Keys;
    }

    /// <summary>
    /// Remembers that the connection registered <paramref name="email"/> (normalized) on the subject when its last
    /// update was <paramref name="since"/>: it may report which later updates it received, for as long as it stays
    /// connected. False past the budget.
    /// </summary>
    public bool BindAddress(string connectionId, int subjectId, string email, long since)
    {
        if (!_subjectsOf.ContainsKey(connectionId))
            return false;
        var addresses = _addressesOf.GetOrAdd(connectionId, static _ => new());
        if (addresses.Count >= MaxAddressesPerConnection && !addresses.ContainsKey((subjectId, email)))
            return false;
        addresses.TryAdd((subjectId, email), since); // registered again: the first time counts
        if (!_subjectsOf.ContainsKey(connectionId))
            _addressesOf.TryRemove(connectionId, out _); // disconnected meanwhile
        return true;
    }

    /// <summary>Forgets an address the connection removed from the subject.</summary>
    public void UnbindAddress(string connectionId, int subjectId, string email)
    {
        if (_addressesOf.TryGetValue(connectionId, out var addresses))
            addresses.TryRemove((subjectId, email), out _);
    }

    /// <summary>
    /// The subject the connection has joined under that name, and the addresses it registered on it with the last
    /// sequence number before each registration; none when it has not joined it (a report of what it received counts
    /// only for a subject it receives).
    /// </summary>
    public (int SubjectId, IReadOnlyList<(string Email, long Since)> Addresses) AddressesOf(string connectionId, string subject)
    {
        if (!_subjectsOf.TryGetValue(connectionId, out var subjects) || !subjects.TryGetValue(subject, out var subjectId)
            || !_addressesOf.TryGetValue(connectionId, out var addresses))
            return (0, []);
        return (subjectId, [.. addresses.Where(a => a.Key.SubjectId == subjectId).Select(a => (a.Key.Email, a.Value))]);
    }

    public void Watch(string connectionId)
    {
        _watchers.TryAdd(connectionId, 0);
        if (!_subjectsOf.ContainsKey(connectionId))
            _watchers.TryRemove(connectionId, out _); // disconnected meanwhile
    }

    private void RemoveMember(int subjectId, string connectionId)
    {
        if (_membersOf.TryGetValue(subjectId, out var members))
            members.TryRemove(connectionId, out _);
    }
}
