using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.ScaleOut;

/// <summary>Carries each commit's own changes to the other instances sharing the store.</summary>
internal interface IChangeBus
{
    /// <summary>
    /// Hands one commit's changes on, in commit order, from the store writer's thread: it must not block. What it
    /// cannot carry the others still read from the store (<see cref="StoreReconciler"/>).
    /// </summary>
    void Publish(IReadOnlyList<SubjectChange> changes);
}
