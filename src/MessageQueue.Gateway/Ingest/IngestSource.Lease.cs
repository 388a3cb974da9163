using NetMQ;

namespace MessageQueue.Gateway.Ingest;

/// <summary>
/// A leased <c>sub</c> source (several instances on PostgreSQL, see <see cref="IngestLeases"/>): it connects its SUB
/// socket only while this instance holds the source's lease, and stands by otherwise.
/// </summary>
internal sealed partial class IngestSource
{
    private bool _leased;
    private volatile bool _leaseHeld; // as the lease loop last said
    private volatile bool _standby = true; // read by OnReady and Status; set at once when the lease is lost, before the disconnect runs
    private bool _connected; // the poller thread's: whether the SUB socket is connected to its endpoints now

    /// <summary>Whether this source waits for a lease before it reads (a <c>sub</c> source when leases are in use).</summary>
    public bool IsLeased => _leased;

    /// <summary>Whether this instance leaves the source to another (it is leased, and this instance does not hold the lease).</summary>
    private bool StandingBy => _leased && _standby;

    /// <summary>Called by the lease loop: connects, on the poller thread.</summary>
    public void LeaseTaken()
    {
        _leaseHeld = true;
        _completions.Enqueue(FollowLease);
    }

    /// <summary>
    /// Called by the lease loop: another instance may read the source from now on, so whatever this one still reads is
    /// dropped (<c>standby</c>) from this moment, and the SUB socket disconnects on the poller thread.
    /// </summary>
    public void LeaseLost()
    {
        _leaseHeld = false;
        _standby = true;
        _completions.Enqueue(FollowLease);
    }

    /// <summary>On the poller thread: connected while the lease is held, as the loop last said (its calls may queue up).</summary>
    private void FollowLease()
    {
        if (_stopped)
            return;
        if (_leaseHeld)
        {
            _standby = false;
            ConnectSub();
        }
        else
        {
            _standby = true;
            DisconnectSub();
        }
    }

    private void ConnectSub()
    {
        if (_connected)
            return;
        foreach (var endpoint in ConnectEndpoints)
            _socket!.Connect(endpoint);
        _connected = true;
    }

    private void DisconnectSub()
    {
        if (!_connected)
            return;
        foreach (var endpoint in ConnectEndpoints)
        {
            try
            {
                _socket!.Disconnect(endpoint);
            }
            catch (EndpointNotFoundException)
            {
                // Not connected to it (NetMQ forgot a connection it gave up): nothing to end.
            }
        }
        _connected = false;
        Volatile.Write(ref _peers, 0); // a connection ended by Disconnect is not always reported as Disconnected
    }
}
