using LlmOps.Errors;

namespace LlmOps.Tests.Infrastructure;

/// <summary>Asserts that an action fails with an <see cref="LlmOpsException"/> of one code.</summary>
public static class ExpectError
{
    public static async Task<LlmOpsException> ThrowsAsync(ErrorCode code, Func<Task> action)
    {
        var error = await Assert.ThrowsAnyAsync<LlmOpsException>(action);
        Assert.Equal(code, error.Code);
        return error;
    }

    public static LlmOpsException Throws(ErrorCode code, Action action)
    {
        var error = Assert.ThrowsAny<LlmOpsException>(action);
        Assert.Equal(code, error.Code);
        return error;
    }
}
