using MessageQueue.Gateway.Connections;

namespace MessageQueue.Gateway.Legacy.Guard;

/// <summary>What a guard lets through: connections (its door's gate, shared by both ports), and bytes per frame and per message.</summary>
internal sealed record GuardLimits(ConnectionGate Gate, long MaxFrameBytes, long MaxMessageBytes);
