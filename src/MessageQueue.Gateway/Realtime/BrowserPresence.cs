using System.Collections.Concurrent;

namespace MessageQueue.Gateway.Realtime;

/// <summary>
/// Which hub connections are subscribed to which subject, and which watch the overview. SignalR groups deliver;
/// this keeps the count, and the members a deleted subject must let go.
/// </summary>
internal sealed class BrowserPresence
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _subjectsOf = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _membersOf = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _watchers = new(StringComparer.Ordinal);

    public int Connections => _subjectsOf.Count;

    public int Watchers => _watchers.Count;

    public int CountMembers(string subject) => _membersOf.TryGetValue(subject, out var members) ? members.Count : 0;

    public void Connected(string connectionId) => _subjectsOf.TryAdd(connectionId, new(StringComparer.Ordinal));

    public void Disconnected(string connectionId)
    {
        _watchers.TryRemove(connectionId, out _);
        if (!_subjectsOf.TryRemove(connectionId, out var subjects))
            return;
        foreach (var subject in subjects.Keys)
            RemoveMember(subject, connectionId);
    }

    /// <summary>Counts the connection in; false when it was already (or is no longer connected).</summary>
    public bool Join(string subject, string connectionId)
    {
        if (!_subjectsOf.TryGetValue(connectionId, out var subjects) || !subjects.TryAdd(subject, 0))
            return false;
        _membersOf.GetOrAdd(subject, static _ => new(StringComparer.Ordinal)).TryAdd(connectionId, 0);
        if (!_subjectsOf.ContainsKey(connectionId))
            RemoveMember(subject, connectionId); // it disconnected while joining: its Disconnected may have missed this
        return true;
    }

    public void Leave(string subject, string connectionId)
    {
        if (_subjectsOf.TryGetValue(connectionId, out var subjects))
            subjects.TryRemove(subject, out _);
        RemoveMember(subject, connectionId);
    }

    /// <summary>Forgets a deleted subject; returns the connections that were subscribed to it.</summary>
    public ICollection<string> RemoveSubject(string subject)
    {
        if (!_membersOf.TryRemove(subject, out var members))
            return [];
        foreach (var connectionId in members.Keys)
        {
            if (_subjectsOf.TryGetValue(connectionId, out var subjects))
                subjects.TryRemove(subject, out _);
        }
        return members.Keys;
    }

    public void Watch(string connectionId)
    {
        _watchers.TryAdd(connectionId, 0);
        if (!_subjectsOf.ContainsKey(connectionId))
            _watchers.TryRemove(connectionId, out _); // disconnected meanwhile
    }

    private void RemoveMember(string subject, string connectionId)
    {
        if (_membersOf.TryGetValue(subject, out var members))
            members.TryRemove(connectionId, out _);
    }
}
