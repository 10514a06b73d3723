"""Run in the cluster's environment (`python -m tests.cluster.seed N`): an owner and N members
of one collab, each with a signed-in session; prints them as JSON for the tests."""

import json
import sys

import django


def main(members: int) -> None:
    django.setup()
    from allauth.account.models import EmailAddress

    from apps.accounts.models import User
    from apps.collabs.services import add_member, create_collab
    from bench.chatbench.seed import _sessions

    people = []
    for i in range(members + 1):
        email = f"node-test-{i}@example.com"
        user = User.objects.create_user(email, None, full_name=f"Node Test {i}")
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        people.append(user)
    owner = people[0]
    collab = create_collab(owner, name="Across nodes")
    for user in people[1:]:
        add_member(collab, owner, user)
    sessions = _sessions(people)
    print(
        json.dumps(
            {
                "collab": collab.pk,
                "people": [
                    {"id": user.pk, "session": key}
                    for user, key in zip(people, sessions, strict=True)
                ],
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
