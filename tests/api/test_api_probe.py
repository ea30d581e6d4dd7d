from rarex.auth.roles import Role
from tests.factories import application_data

def test_probe(client, api_user, exporter_company, session):
    ex = api_user(Role.EXPORTER, company=exporter_company)
    r = client.get("/api/v1/me", headers=ex.headers)
    print(r.status_code, r.json())
    body = application_data().model_dump(mode="json")
    r = client.post("/api/v1/applications", json=body, headers=ex.headers)
    print(r.status_code, r.json()["reference"])
    r = client.get("/api/v1/applications", headers=ex.headers)
    print(r.status_code, r.json())
    r = client.get("/api/v1/applications?state=bogus", headers=ex.headers)
    print(r.status_code, r.text[:300])
    r = client.post("/api/v1/applications", content=b"{not json", headers={**ex.headers, "content-type": "application/json"})
    print(r.status_code, r.json())
