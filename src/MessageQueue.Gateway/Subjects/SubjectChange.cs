namespace MessageQueue.Gateway.Subjects;

/// <summary>
/// One committed change to a subject, as the change stream carries it from the store to every door: in commit order,
/// which for each subject is sequence order. The catalog takes each change first, then every sink.
/// </summary>
/// <param name="Subject">The subject's name.</param>
/// <param name="SubjectId">The store's id, which tells a subject from an earlier one of the same name.</param>
public abstract record SubjectChange(string Subject, int SubjectId);

/// <summary>A subject was created.</summary>
public sealed record SubjectCreated(SubjectSnapshot Snapshot) : SubjectChange(Snapshot.Name, Snapshot.Id);

/// <summary>Addresses were registered on a subject or removed from it: how many there are now.</summary>
public sealed record RegistrationsChanged(string Subject, int SubjectId, int EmailCount) : SubjectChange(Subject, SubjectId);

/// <summary>A subject was deleted with its history and registrations.</summary>
public sealed record SubjectDeleted(string Subject, int SubjectId) : SubjectChange(Subject, SubjectId);
