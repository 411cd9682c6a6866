using System.Text.Json;
using EvidenceBroker.Domain.Lifecycle;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace EvidenceBroker.Server.Errors;

/// <summary>
/// The one place where exceptions become RFC 9457 problem details. Binding failures keep their 4xx status and
/// name the field; anything unexpected is a 500 without internals (the log has them, under the trace id).
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var problem = exception switch
        {
            BadHttpRequestException bad => FromBadRequest(bad),
            _ when IsUnreadableForm(exception, http.Request) => UnreadableForm(),
            // ASP.NET Core's JSON body reader, given a charset it does not know (or an empty one), throws this, not a
            // BadHttpRequestException.
            InvalidOperationException when HasUnknownCharset(http.Request) => new ProblemDetails
            {
                Status = StatusCodes.Status415UnsupportedMediaType,
                Title = "Send the body as application/json in UTF-8.",
                Detail = "The charset the Content-Type names is not one the broker can read.",
            },
            InvalidTransitionException transition => FromTransition(transition),
            Microsoft.EntityFrameworkCore.DbUpdateConcurrencyException => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "The request was changed by someone else at the same time.",
                Detail = "Read it again and retry.",
            },
            // PostgreSQL refuses the NUL character in text. Bodies are checked for it where they are read (naming the
            // field); this covers the rest, such as a portal form.
            _ when IsNulRefusedByDatabase(exception) => new ProblemDetails
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "A text holds the NUL character (U+0000), which cannot be stored.",
                Detail = "Nothing was changed. Remove the character and send it again.",
            },
            OperationCanceledException when http.RequestAborted.IsCancellationRequested => null,
            _ => null,
        };

        if (problem is null)
        {
            if (http.RequestAborted.IsCancellationRequested)
            {
                return true;
            }

            logger.LogError(exception, "Unhandled exception on {Method} {Path}", http.Request.Method, http.Request.Path);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "The broker could not complete this request.",
                Detail = "Check whether it took effect before repeating it (a filing repeated with its Idempotency-Key is never filed twice). Quote the trace id to an administrator.",
            };
        }

        http.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>
    /// ASP.NET Core's form reader on a form it cannot read: a multipart body without its boundary or more fields than a
    /// form may have (<see cref="InvalidDataException"/>), a multipart section that never ends (<see cref="IOException"/>).
    /// Not a body over its size limit, a <see cref="BadHttpRequestException"/> with its own status.
    /// </summary>
    internal static bool IsUnreadableForm(Exception exception, HttpRequest request) =>
        exception is InvalidDataException or IOException and not BadHttpRequestException
        && request.HasFormContentType && !request.HttpContext.RequestAborted.IsCancellationRequested;

    internal static ProblemDetails UnreadableForm() => new()
    {
        Status = StatusCodes.Status400BadRequest,
        Title = "The form could not be read.",
        Detail = "Send a well-formed application/x-www-form-urlencoded body.",
    };

    private static bool HasUnknownCharset(HttpRequest request)
    {
        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.Charset.HasValue)
        {
            return false;
        }

        try
        {
            _ = System.Text.Encoding.GetEncoding(type.Charset.ToString().Trim('"'));
            return false;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    /// <summary>PostgreSQL's "invalid byte sequence for encoding UTF8: 0x00" (22021), however deep it is wrapped.</summary>
    private static bool IsNulRefusedByDatabase(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.CharacterNotInRepertoire })
            {
                return true;
            }
        }

        return false;
    }

    private static ProblemDetails FromBadRequest(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json)
        {
            return new HttpValidationProblemDetails(JsonPaths.Errors(json))
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request body is not valid JSON for this endpoint.",
            };
        }

        if (bad.StatusCode == StatusCodes.Status400BadRequest && BindingProblem(bad.Message) is { } named)
        {
            return Unreadable(named);
        }

        return new ProblemDetails
        {
            Status = bad.StatusCode,
            Title = bad.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
                StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json.",
                _ => "The request could not be read.",
            },
            Detail = bad.StatusCode == StatusCodes.Status400BadRequest ? bad.Message : null,
        };
    }

    /// <summary>A request that could not be read, with the fields that made it so.</summary>
    internal static HttpValidationProblemDetails Unreadable(Dictionary<string, string[]> errors) => new(errors)
    {
        Status = StatusCodes.Status400BadRequest,
        Title = "The request could not be read.",
    };

    /// <summary>A value given for a field (a query's page=x) that is not of the field's kind.</summary>
    internal static Dictionary<string, string[]> NotAValidValue(string field, string value) =>
        new() { [field] = [$"'{value}' is not a valid value here."] };

    /// <summary>
    /// ASP.NET Core's binding failures name the parameter in a sentence meant for its developers ("Failed to bind
    /// parameter "DateTimeOffset? filedFrom" from "abc".", "Implicit body inferred for parameter "request" but no body
    /// was provided…"): said instead of the field, in the words of the rest of the API, or null for another message.
    /// </summary>
    internal static Dictionary<string, string[]>? BindingProblem(string message)
    {
        if (message.StartsWith("Implicit body inferred", StringComparison.Ordinal)
            || message.StartsWith("Required parameter", StringComparison.Ordinal) && message.Contains("from body", StringComparison.Ordinal))
        {
            return new() { ["body"] = ["Send the request as a JSON body."] };
        }

        var bound = FailedToBind().Match(message);
        if (bound.Success)
        {
            return NotAValidValue(bound.Groups["name"].Value, bound.Groups["value"].Value);
        }

        var required = RequiredNotProvided().Match(message);
        return required.Success ? new() { [required.Groups["name"].Value] = ["This is required."] } : null;
    }

    /// <summary>'Failed to bind parameter "DateTimeOffset? filedFrom" from "abc".': the parameter's name and the value.</summary>
    [System.Text.RegularExpressions.GeneratedRegex("^Failed to bind parameter \"(?:[^\" ]+ )?(?<name>[^\" ]+)\" from \"(?<value>[^\"]*)\"\\.$", System.Text.RegularExpressions.RegexOptions.None, 1000)]
    private static partial System.Text.RegularExpressions.Regex FailedToBind();

    /// <summary>'Required parameter "int page" was not provided…': the parameter's name.</summary>
    [System.Text.RegularExpressions.GeneratedRegex("^Required parameter \"(?:[^\" ]+ )?(?<name>[^\" ]+)\" was not provided", System.Text.RegularExpressions.RegexOptions.None, 1000)]
    private static partial System.Text.RegularExpressions.Regex RequiredNotProvided();

    private static ProblemDetails FromTransition(InvalidTransitionException transition)
    {
        var allowed = transition.Permitted.Select(Wire.Name).ToArray();
        return new ProblemDetails
        {
            Status = StatusCodes.Status409Conflict,
            Title = "That action is not possible in the request's current state.",
            Detail = $"The request is '{Wire.Name(transition.State)}'; '{Wire.Name(transition.Trigger)}' is not allowed now.",
            Extensions =
            {
                ["state"] = Wire.Name(transition.State),
                ["allowedActions"] = allowed,
            },
        };
    }
}
