// Microsoft.Azure.Functions.Worker.Extensions.Storage.Queues (5.x).
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker
{
    public sealed class QueueTriggerAttribute : TriggerBindingAttribute
    {
        public QueueTriggerAttribute(string queueName) => QueueName = queueName;

        public string QueueName { get; }

        public string? Connection { get; set; }
    }

    public sealed class QueueOutputAttribute : OutputBindingAttribute
    {
        public QueueOutputAttribute(string queueName) => QueueName = queueName;

        public string QueueName { get; }

        public string? Connection { get; set; }
    }
}
