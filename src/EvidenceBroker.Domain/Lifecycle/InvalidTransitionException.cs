namespace EvidenceBroker.Domain.Lifecycle;

/// <summary>A trigger that the request's current state does not allow. Carries what is allowed now.</summary>
public sealed class InvalidTransitionException : InvalidOperationException
{
    public InvalidTransitionException(RequestState state, RequestTrigger trigger, IReadOnlyList<RequestTrigger> permitted)
        : base($"'{trigger}' is not allowed while the request is '{state}'.")
    {
        State = state;
        Trigger = trigger;
        Permitted = permitted;
    }

    public InvalidTransitionException()
    {
        Permitted = [];
    }

    public InvalidTransitionException(string message) : base(message)
    {
        Permitted = [];
    }

    public InvalidTransitionException(string message, Exception innerException) : base(message, innerException)
    {
        Permitted = [];
    }

    public RequestState State { get; }
    public RequestTrigger Trigger { get; }
    public IReadOnlyList<RequestTrigger> Permitted { get; }
}
