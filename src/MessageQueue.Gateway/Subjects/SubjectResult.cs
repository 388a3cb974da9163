namespace MessageQueue.Gateway.Subjects;

public enum SubjectErrorKind
{
    /// <summary>The input broke a validation rule; <see cref="SubjectError.Field"/> names it.</summary>
    Invalid,

    /// <summary>The input is larger than the configured limit; <see cref="SubjectError.Field"/> names it.</summary>
    TooLarge,

    /// <summary>The subject does not exist.</summary>
    SubjectNotFound,

    /// <summary>The subject has no update with that sequence number.</summary>
    UpdateNotFound,

    /// <summary>The email is not registered on the subject.</summary>
    EmailNotRegistered,

    /// <summary>The change contradicts the current state: the subject exists already, say.</summary>
    Conflict,

    /// <summary>The store could not take the change; nothing was applied.</summary>
    Unavailable,
}

/// <summary>Why an operation was refused. Doors translate it into their own error shape.</summary>
public sealed record SubjectError(SubjectErrorKind Kind, string Message, string? Field = null);

/// <summary>The outcome of an operation of the application service: a value or an error, never both.</summary>
public readonly record struct SubjectResult<T>(T? Value, SubjectError? Error)
{
    public bool Succeeded => Error is null;

    public static implicit operator SubjectResult<T>(T value) => new(value, null);

    public static implicit operator SubjectResult<T>(SubjectError error) => new(default, error);
}
