namespace Handoff.Common;

/// <summary>An expected failure of a use case; mapped once to problem details at the HTTP edge.</summary>
public abstract record Error(string Message);

/// <summary>The thing asked for does not exist.</summary>
public sealed record NotFoundError(string Message) : Error(Message);

/// <summary>The request is well-formed but conflicts with the current state (illegal transition, stale version).</summary>
public sealed record ConflictError(string Code, string Message) : Error(Message);

/// <summary>
/// The client's precondition (<c>If-Match</c>) no longer holds: what it read has changed since. Maps to 412.
/// </summary>
public sealed record PreconditionFailedError(string Code, string Message) : Error(Message);

/// <summary>The request is invalid; <paramref name="Fields"/> names each bad field and why.</summary>
public sealed record ValidationError(IReadOnlyDictionary<string, string[]> Fields)
    : Error("One or more fields are invalid.")
{
    public static ValidationError For(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>Either a value or an <see cref="Error"/>.</summary>
public readonly record struct Result<T>
{
    private Result(T? value, Error? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public Error? Error { get; }

    public bool IsSuccess => Error is null;

#pragma warning disable CA2225 // the implicit conversions are the only way in: handlers return a value or an error
    public static implicit operator Result<T>(T value) => new(value, null);

    public static implicit operator Result<T>(Error error) => new(default, error);
#pragma warning restore CA2225
}

/// <summary>Collects field errors during validation.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    public ValidationError ToError() => new(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
}
